"""Appointments: who arranges them, checks on the input, an iCalendar invitation per
participant by email (without health data), moving and cancelling; pages and downloads."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from consilium.accounts.actions import do_set_time_zone
from consilium.appointments.actions import (
    do_cancel_appointment,
    do_reschedule_appointment,
    do_schedule_appointment,
)
from consilium.appointments.models import Appointment
from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_close_case, do_share_case, do_withdraw_case
from consilium.cases.models import EventKind
from consilium.consultations.actions import do_release_consultation
from consilium.decisions.actions import do_record_decision
from consilium.errors import Conflict, InvalidInput, NotAllowed

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def video(settings):
    settings.TASKS = IMMEDIATE
    settings.VIDEO_URL_TEMPLATE = "https://video.example.org/room-{room}"


def _next_week_at(hour: int) -> datetime:
    day = timezone.now().astimezone(DENVER).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, 30)


def _invites() -> dict[str, Calendar]:
    found = {}
    for message in mail.outbox:
        (name, content, mimetype), = message.attachments
        assert name == "invitation.ics" and mimetype.startswith("text/calendar")
        found[message.to[0]] = Calendar.from_ical(content)
    return found


def test_everyone_gets_their_own_invitation(journey, users, video,
                                            django_capture_on_commit_callbacks):
    case, consultation = journey("accepted")
    do_share_case(case, "caregiver", acting_user=users["patient"])
    do_set_time_zone(users["specialist"], "America/Denver", acting_user=users["specialist"])
    do_set_time_zone(users["patient"], "America/New_York", acting_user=users["patient"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = do_schedule_appointment(consultation, {
            "kind": "video", "starts_at": _next_week_at(9), "time_zone": "America/Denver",
            "minutes": 45}, acting_user=users["specialist"])
    invites = _invites()
    assert set(invites) == {users[n].email for n in ("patient", "caregiver", "specialist")}
    for email, calendar in invites.items():
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert event["UID"] == f"{appointment.id}@consilium"
        assert event.decoded("DTSTART") == _next_week_at(9).replace(tzinfo=DENVER)
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
        assert str(event["ATTENDEE"]) == f"mailto:{email}"
        assert str(event["LOCATION"]).startswith("https://video.example.org/room-")
        assert str(event["SUMMARY"]) == "Consilium appointment"
    # Each calendar gets the time in its owner's zone, and the zone travels with it (RFC 5545:
    # DTSTART;TZID= with its VTIMEZONE; UTC, the program's zone here, as a time ending in Z).
    text = {e: c.to_ical().decode() for e, c in invites.items()}
    specialist, patient, caregiver = (users[n].email for n in ("specialist", "patient",
                                                                 "caregiver"))
    assert "DTSTART;TZID=America/Denver:" in text[specialist]
    assert "DTSTART;TZID=America/New_York:" in text[patient]
    assert [z["TZID"] for z in invites[patient].walk("VTIMEZONE")] == ["America/New_York"]
    assert not invites[caregiver].walk("VTIMEZONE")
    assert f"DTSTART:{_next_week_at(9).replace(tzinfo=DENVER).astimezone(UTC):%Y%m%dT%H%M%S}Z" \
        in text[caregiver]
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "09:30 M" in bodies[specialist] and "(America/Denver)" in bodies[specialist]
    assert "11:30 E" in bodies[patient] and "(America/New York)" in bodies[patient]
    assert " UTC\n" in bodies[caregiver] or " UTC." in bodies[caregiver]
    for message in mail.outbox:
        text = message.subject + message.body + str(message.attachments[0][1])
        for private in (case.diagnosis_text, "Okafor", "Oncology"):
            assert private not in text
    assert AuditEntry.objects.filter(action="appointment.create").count() == 1
    assert case.events.filter(kind="appointment").exists()


def test_moving_and_cancelling_update_every_calendar(journey, users, video,
                                                     django_capture_on_commit_callbacks):
    _, consultation = journey("accepted")
    appointment = do_schedule_appointment(consultation, {
        "kind": "video", "starts_at": _next_week_at(9), "time_zone": "America/Denver",
        "minutes": 30}, acting_user=users["coordinator"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_reschedule_appointment(appointment, {
            "kind": "in_person", "starts_at": _next_week_at(14), "time_zone": "America/Denver",
            "minutes": 60, "place": "1 Clinic Way, Denver"}, acting_user=users["specialist"])
    invites = _invites()
    assert users["coordinator"].email in invites  # who arranged it is invited too
    event = invites[users["patient"].email].walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1 and "moved" in mail.outbox[0].subject
    assert event.decoded("DTSTART") == _next_week_at(14).replace(tzinfo=DENVER)
    assert "1 Clinic Way" not in mail.outbox[0].body + str(event["LOCATION"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do_cancel_appointment(appointment, acting_user=users["coordinator"])
    calendar = _invites()[users["patient"].email]
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2
    with pytest.raises(Conflict):
        do_cancel_appointment(appointment, acting_user=users["coordinator"])
    with pytest.raises(Conflict):
        do_reschedule_appointment(appointment, {
            "kind": "video", "starts_at": _next_week_at(9), "time_zone": "America/Denver",
            "minutes": 30}, acting_user=users["coordinator"])


def test_bad_input_and_the_wrong_people_change_nothing(journey, users, video, settings):
    case, consultation = journey("accepted")
    good = {"kind": "video", "starts_at": _next_week_at(9), "time_zone": "America/Denver",
            "minutes": 30}
    for bad, field in [({"starts_at": datetime(2020, 1, 1, 9)}, "starts_at"),
                       ({"starts_at": "tomorrow"}, "starts_at"),
                       ({"time_zone": "Mars/Olympus"}, "time_zone"),
                       ({"minutes": 500}, "minutes"),
                       ({"kind": "in_person"}, "place"),
                       ({"kind": "phone"}, "kind")]:
        with pytest.raises(InvalidInput) as refused:
            do_schedule_appointment(consultation, {**good, **bad},
                                    acting_user=users["coordinator"])
        assert field in refused.value.errors
    settings.VIDEO_URL_TEMPLATE = ""
    with pytest.raises(InvalidInput) as no_video:
        do_schedule_appointment(consultation, good, acting_user=users["coordinator"])
    assert "no video service" in no_video.value.errors["kind"]
    for someone in ("patient", "caregiver", "specialist2", "physician"):
        with pytest.raises(NotAllowed):
            do_schedule_appointment(consultation, good, acting_user=users[someone])
    offered_case, offered = journey("offered", patient="patient2")
    with pytest.raises(Conflict):
        do_schedule_appointment(offered, {**good, "kind": "in_person", "place": "Here"},
                                acting_user=users["coordinator"])
    assert not Appointment.objects.exists()


def test_the_pages(client, login, journey, users, video):
    case, consultation = journey("accepted")
    login(users["specialist"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Make an appointment" in page
    new = f"/consultations/{consultation.id}/appointments/new/"
    assert client.get(new).status_code == 200
    day = _next_week_at(9).date().isoformat()
    refused = client.post(new, {"kind": "in_person", "date": day, "time": "09:30",
                                "time_zone": "America/Denver", "minutes": 30})
    assert refused.status_code == 422 and "Give the address" in refused.content.decode()
    made = client.post(new, {"kind": "video", "date": day, "time": "09:30",
                             "time_zone": "America/Denver", "minutes": 30})
    assert made.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == _next_week_at(9).replace(tzinfo=DENVER)

    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    # The patient reads the program's zone (UTC), and the zone it was given in beside it.
    utc = _next_week_at(9).replace(tzinfo=DENVER).astimezone(UTC)
    assert f"{utc:%H:%M} UTC</strong> (09:30 M" in page and ", America/Denver)" in page
    assert "Join the video call" in page
    assert "Make an appointment" not in page and "Cancel…" not in page
    ics = client.get(f"/appointments/{appointment.id}/appointment.ics")
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert "Dr. Helen Okafor" in str(event["SUMMARY"])
    assert client.get(f"/appointments/{appointment.id}/cancel/").status_code == 403

    login(users["coordinator"])
    cancel = f"/appointments/{appointment.id}/cancel/"
    assert "Cancel the appointment on" in client.get(cancel).content.decode()
    client.post(cancel)
    appointment.refresh_from_db()
    assert appointment.is_cancelled
    login(users["patient2"])
    assert client.get(f"/appointments/{appointment.id}/appointment.ics").status_code == 404


def _video_at(hour: int) -> dict:
    return {"kind": "video", "starts_at": _next_week_at(hour), "time_zone": "America/Denver",
            "minutes": 30}


@pytest.mark.parametrize("end", ["release", "withdraw_case"])
def test_a_consultation_that_ends_takes_its_appointments_with_it(
        end, journey, users, video, django_capture_on_commit_callbacks):
    """A specialist who hands the case back (or whose consultation ends with the case) keeps
    no appointment with the patient: each one still to come is cancelled, audited, on the
    case's history, and everyone taking part is sent the cancellation."""
    case, consultation = journey("accepted")
    first = do_schedule_appointment(consultation, _video_at(9), acting_user=users["specialist"])
    second = do_schedule_appointment(consultation, _video_at(14),
                                     acting_user=users["coordinator"])
    do_cancel_appointment(second, acting_user=users["coordinator"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if end == "release":
            do_release_consultation(consultation, "I am ill.", acting_user=users["specialist"])
        else:
            do_withdraw_case(case, acting_user=users["patient"])
    first.refresh_from_db()
    assert first.is_cancelled and first.sequence == 1
    cancelled = AuditEntry.objects.filter(action="appointment.cancel", object_id=str(first.pk))
    assert cancelled.count() == 1
    assert case.events.filter(kind=EventKind.APPOINTMENT_CANCELLED).count() == 2  # one each
    mail.outbox[:] = [m for m in mail.outbox if m.attachments]  # not the coordinators' notice
    invites = _invites()
    assert set(invites) >= {users["patient"].email, users["specialist"].email}
    assert all(calendar["METHOD"] == "CANCEL" for calendar in invites.values())
    assert all("cancelled" in message.subject for message in mail.outbox)
    assert len(mail.outbox) == len(invites)  # the one cancelled before is not sent again


def test_no_appointments_once_the_case_is_closed(journey, users, video, login, client):
    """The appointment policy: a closed case takes no new appointment and none is moved,
    on the case page and in the actions; one still standing may be cancelled."""
    case, consultation = journey("opinion_delivered")
    appointment = do_schedule_appointment(consultation, _video_at(9),
                                          acting_user=users["coordinator"])
    do_record_decision(case, "first_opinion", "", acting_user=users["patient"])
    do_close_case(case, acting_user=users["patient"])
    consultation.refresh_from_db()
    with pytest.raises(Conflict, match="This case is closed"):
        do_schedule_appointment(consultation, _video_at(11), acting_user=users["coordinator"])
    with pytest.raises(Conflict, match="This case is closed"):
        do_reschedule_appointment(appointment, _video_at(11), acting_user=users["coordinator"])
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Make an appointment" not in page
    assert f"/appointments/{appointment.id}/edit/" not in page
    assert f"/appointments/{appointment.id}/cancel/" in page
    new = client.get(f"/consultations/{consultation.id}/appointments/new/")
    assert new.status_code == 409 and "This case is closed" in new.content.decode()
    assert Appointment.objects.count() == 1


def test_the_page_says_what_the_schema_says(journey, users, video, login, client):
    """The form hands its values to the action's schema: a value outside the list gets the
    schema's sentence under its own field (not Django's "Select a valid choice")."""
    _, consultation = journey("accepted")
    login(users["coordinator"])
    day = _next_week_at(9).date().isoformat()
    refused = client.post(f"/consultations/{consultation.id}/appointments/new/", {
        "kind": "phone", "date": day, "time": "09:30", "time_zone": "Mars/Olympus",
        "minutes": "500"})
    text = refused.content.decode()
    assert refused.status_code == 422
    assert "Choose a video call or an appointment in person." in text
    assert "Choose a time zone from the list." in text
    assert "Choose how long: 15, 30, 45, 60, 90 minutes." in text
    assert "Select a valid choice" not in text
    assert not Appointment.objects.exists()
