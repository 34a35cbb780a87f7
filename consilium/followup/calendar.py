"""The follow-up plan as an iCalendar file (RFC 5545): an all-day event per open task, for
the patient's own calendar. Downloaded after signing in, so it names the tasks; nothing of
it goes out by email."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

PRODID = "-//Consilium//Follow-up plan//EN"


def plan_ics(case, tasks) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{settings.PROGRAM_NAME} follow-up plan")
    link = f"{settings.SITE_URL}/cases/{case.id}/plan/"
    for task in tasks:
        if task.is_done:
            continue
        event = Event()
        event.add("uid", f"task-{task.id}@consilium")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", task.due_date)  # a date: an all-day event
        event.add("summary", task.title)
        event.add("description", f"{task.get_kind_display()}, {task.get_owner_display()}. "
                                 f"Details in {settings.PROGRAM_NAME}: {link}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
