"""iCalendar (RFC 5545) invitations for appointments, one per participant.

Two levels of detail: the invitation attached to an email says only "Consilium appointment",
the time, the video link and where to read more, because emails never carry health data;
the file downloaded from the case page, after signing in, names the specialist and the
address.
"""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Appointment, Kind

PRODID = "-//Consilium//Appointments//EN"


def invitation(appointment: Appointment, attendee, *, detailed: bool) -> bytes:
    """The .ics for ``attendee`` (a user); METHOD:CANCEL once the appointment is cancelled."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if appointment.is_cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{appointment.id}@consilium")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    # In the attendee's own zone (TZID, with its VTIMEZONE below): the calendar shows the
    # time they read on the case page, and converts it rightly if they travel.
    zone = attendee.zone
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
    link = f"{settings.SITE_URL}/cases/{appointment.consultation.case_id}/#appointments-heading"
    specialist = appointment.consultation.specialist
    if detailed:
        event.add("summary", f"Second-opinion appointment with {specialist.name}")
    else:
        event.add("summary", f"{settings.PROGRAM_NAME} appointment")
    if appointment.kind == Kind.VIDEO:
        event.add("location", appointment.video_url)
        event.add("url", appointment.video_url)
    else:
        event.add("location", appointment.place if detailed
                  else f"In person: the address is in {settings.PROGRAM_NAME}")
    event.add("description", f"Details in {settings.PROGRAM_NAME}: {link}")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(settings.PROGRAM_NAME)
    event.add("organizer", organizer)
    if attendee.email:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.get_full_name() or attendee.get_username())
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", address)
    calendar.add_component(event)
    # The attendee's zone (VTIMEZONE, for DTSTART;TZID=...), its rules only around the
    # appointment: UTC needs none (its times end in Z).
    around = timedelta(days=366)
    calendar.add_missing_timezones(first_date=appointment.starts_at.date() - around,
                                   last_date=appointment.ends_at.date() + around)
    return calendar.to_ical()
