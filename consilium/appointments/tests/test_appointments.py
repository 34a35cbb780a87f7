"""Appointments: who arranges them, checks on the input, an iCalendar invitation per
participant by email (without health data), moving and cancelling; pages and downloads."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from consilium.appointments.actions import (
    do_cancel_appointment,
    do_reschedule_appointment,
    do_schedule_appointment,
)
from consilium.appointments.models import Appointment
from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_share_case
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
        assert calendar.walk("VTIMEZONE")  # the zone travels with the invitation
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
    assert event.decoded("DTSTART").hour == 14
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
    assert "09:30</strong> (America/Denver)" in page and "Join the video call" in page
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
