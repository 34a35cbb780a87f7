"""Scheduling: nobody is booked twice at one time (also when two people book at once), and
each person reads an appointment in their own time zone, on the page, in the email and in
the calendar file; the time-zone setting of the account page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
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
from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.tests.racing import on_postgresql, race

DENVER, NEW_YORK = ZoneInfo("America/Denver"), ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def video(settings):
    settings.VIDEO_URL_TEMPLATE = "https://video.example.org/room-{room}"


def _next_week_at(hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Denver next week (naive: the action reads it in the zone)."""
    day = timezone.now().astimezone(DENVER).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, minute)


def _at(hour: int, minute: int = 0, minutes: int = 30) -> dict:
    return {"kind": "video", "starts_at": _next_week_at(hour, minute),
            "time_zone": "America/Denver", "minutes": minutes}


@pytest.fixture
def two_cases(journey):
    """Two patients' cases, each accepted by the same specialist."""
    _, first = journey("accepted")
    _, second = journey("accepted", patient="patient2")
    return first, second


def test_a_specialist_is_not_booked_twice(two_cases, users):
    """Overlapping another case's appointment is refused, naming the clash in the arranger's
    own zone; ending as the other starts is fine; a cancelled one holds no time."""
    first, second = two_cases
    coordinator = users["coordinator"]
    do_set_time_zone(coordinator, "America/New_York", acting_user=coordinator)
    booked = do_schedule_appointment(first, _at(9), acting_user=coordinator)
    with pytest.raises(Conflict) as refused:
        do_schedule_appointment(second, _at(9, 15), acting_user=coordinator)
    begins = booked.starts_at.astimezone(NEW_YORK)
    ends = booked.ends_at.astimezone(NEW_YORK)
    assert refused.value.message == (
        f"Dr. Helen Okafor already has an appointment on {begins:%A} {begins.day} "
        f"{begins:%B %Y} from {begins:%H:%M} to {ends:%H:%M %Z} (America/New_York). "
        "Choose a time that does not overlap it.")
    with pytest.raises(Conflict):  # a longer one starting before it
        do_schedule_appointment(second, _at(8, 0, minutes=90), acting_user=coordinator)
    before = do_schedule_appointment(second, _at(8, 30), acting_user=coordinator)  # ends 9:00
    after = do_schedule_appointment(second, _at(9, 30), acting_user=coordinator)  # starts 9:30
    assert before.ends_at == booked.starts_at and after.starts_at == booked.ends_at
    do_cancel_appointment(booked, acting_user=coordinator)
    again = do_schedule_appointment(second, _at(9), acting_user=users["specialist"])
    assert Appointment.objects.filter(cancelled_at__isnull=True).count() == 3
    assert again.starts_at == booked.starts_at


def test_moving_onto_another_appointment_is_refused(two_cases, users):
    """Moving is checked as making is, without the appointment itself: it may move within
    its own time, not onto another's."""
    first, second = two_cases
    coordinator = users["coordinator"]
    other = do_schedule_appointment(first, _at(9), acting_user=coordinator)
    moving = do_schedule_appointment(second, _at(11), acting_user=coordinator)
    with pytest.raises(Conflict, match="already has an appointment"):
        do_reschedule_appointment(moving, _at(9, 15), acting_user=coordinator)
    moving.refresh_from_db()
    assert moving.sequence == 0 and moving.starts_at.astimezone(DENVER).hour == 11
    assert not AuditEntry.objects.filter(action="appointment.update").exists()
    do_reschedule_appointment(moving, _at(11, 15), acting_user=coordinator)  # over itself
    do_reschedule_appointment(other, _at(10, 0, minutes=60), acting_user=coordinator)
    with pytest.raises(Conflict):
        do_reschedule_appointment(moving, _at(10, 45), acting_user=coordinator)


def test_a_patient_is_not_booked_twice(journey, users, specialists):
    """The patient's two cases with two specialists: not both at one time, and the message
    says only that the patient is busy (nothing of the other case)."""
    _, first = journey("accepted")
    other_case, _ = journey("submitted")
    second = do_offer_consultation(other_case, specialists["specialist2"].id,
                                   acting_user=users["coordinator"])
    do_accept_consultation(second, acting_user=users["specialist2"])
    do_schedule_appointment(first, _at(9), acting_user=users["coordinator"])
    with pytest.raises(Conflict) as refused:
        do_schedule_appointment(second, _at(9), acting_user=users["specialist2"])
    assert refused.value.message.startswith("The patient already has an appointment on ")
    assert "Okafor" not in refused.value.message
    assert Appointment.objects.count() == 1


def test_the_page_says_the_slot_is_taken(two_cases, users, login, client):
    first, second = two_cases
    do_schedule_appointment(first, _at(9), acting_user=users["coordinator"])
    login(users["coordinator"])
    day = _next_week_at(9).date().isoformat()
    answer = client.post(f"/consultations/{second.id}/appointments/new/", {
        "kind": "video", "date": day, "time": "09:00", "time_zone": "America/Denver",
        "minutes": 30})
    assert answer.status_code == 422
    assert "Dr. Helen Okafor already has an appointment" in answer.content.decode()
    assert Appointment.objects.count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_slot_at_once_cannot_both_succeed(two_cases, users):
    """Two coordinators book the specialist's same half hour for two patients at once: the
    second waits for the first's lock on the specialist, then sees its appointment."""
    first, second = two_cases
    ended = race(lambda: do_schedule_appointment(first, _at(9), acting_user=users["coordinator"]),
                 lambda: do_schedule_appointment(second, _at(9, 15),
                                                 acting_user=users["coordinator"]))
    assert ended.waited
    assert isinstance(ended.error, Conflict), ended
    assert Appointment.objects.get().consultation_id == first.id


def test_each_person_sees_their_own_time(journey, users, login, client):
    """One appointment: the specialist in Denver and the patient in New York each read it in
    their own time zone, with its abbreviation, on the case page and in the calendar file."""
    case, consultation = journey("accepted")
    do_set_time_zone(users["specialist"], "America/Denver", acting_user=users["specialist"])
    do_set_time_zone(users["patient"], "America/New_York", acting_user=users["patient"])
    appointment = do_schedule_appointment(consultation, _at(9, 30),
                                          acting_user=users["coordinator"])
    denver = appointment.starts_at.astimezone(DENVER)
    new_york = appointment.starts_at.astimezone(NEW_YORK)
    assert (denver.hour, new_york.hour) == (9, 11)

    login(users["specialist"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert f"{denver:%H:%M %Z}</strong>," in page  # given in Denver: nothing beside it
    assert "Times are in your time zone, America/Denver." in page
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert f"{new_york:%H:%M %Z}</strong> ({denver:%H:%M %Z}, America/Denver)" in page
    assert "Times are in your time zone, America/New_York." in page
    assert f"{denver:%H:%M %Z}</strong>" not in page
    cancel = client.get(f"/appointments/{appointment.id}/cancel/")  # the patient may not
    assert cancel.status_code == 403

    ics = client.get(f"/appointments/{appointment.id}/appointment.ics")
    calendar = Calendar.from_ical(ics.content)
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTSTART") == appointment.starts_at
    assert event.decoded("DTSTART").utcoffset() == new_york.utcoffset()
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "America/New_York"
    assert str(event["DTSTAMP"].to_ical().decode()).endswith("Z")  # UTC, RFC 5545 3.8.7.2


def test_choosing_a_time_zone(users, login, client):
    patient = users["patient"]
    login(patient)
    page = client.get("/account/time-zone/").content.decode()
    assert '<optgroup label="America">' in page and "The program&#x27;s time zone (UTC)" in page
    for bad in ("Mars/Olympus", "America/Denver\x00", "x" * 500):
        refused = client.post("/account/time-zone/", {"time_zone": bad})
        assert refused.status_code == 422
        assert "Choose a time zone from the list." in refused.content.decode()
    patient.refresh_from_db()
    assert patient.time_zone == ""
    assert not AuditEntry.objects.filter(action="user.time_zone").exists()

    saved = client.post("/account/time-zone/", {"time_zone": "America/New_York"})
    assert saved.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "America/New_York" and patient.zone == NEW_YORK
    entry = AuditEntry.objects.get(action="user.time_zone")
    assert entry.object_id == str(patient.pk)
    assert "America/New_York" in client.get("/account/").content.decode()
    client.post("/account/time-zone/", {"time_zone": ""})  # back to the program's
    patient.refresh_from_db()
    assert patient.time_zone == "" and patient.zone.key == "UTC"
    with pytest.raises(NotAllowed):
        do_set_time_zone(patient, "Europe/Paris", acting_user=users["coordinator"])
    with pytest.raises(InvalidInput):
        do_set_time_zone(patient, "Nowhere/Special", acting_user=patient)


def test_a_specialist_is_offered_their_practice_zone(users, specialists, login, client):
    """The directory puts the specialist's practice in Colorado: Denver is preselected, and
    saved only when they save it."""
    login(users["specialist"])
    page = client.get("/account/time-zone/").content.decode()
    assert '<option value="America/Denver" selected>' in page
    assert "We suggest America/Denver" in page
    users["specialist"].refresh_from_db()
    assert users["specialist"].time_zone == ""


def test_a_new_appointment_starts_in_the_patients_zone(journey, users, login, client):
    """The time agreed with the patient is typed as they said it: the form starts with their
    zone, if they chose one, else the arranger's own."""
    _, consultation = journey("accepted")
    new = f"/consultations/{consultation.id}/appointments/new/"
    do_set_time_zone(users["coordinator"], "Europe/Berlin", acting_user=users["coordinator"])
    login(users["coordinator"])
    assert '<option value="Europe/Berlin" selected>' in client.get(new).content.decode()
    do_set_time_zone(users["patient"], "America/Indiana/Indianapolis",
                     acting_user=users["patient"])
    page = client.get(new).content.decode()
    assert '<option value="America/Indiana/Indianapolis" selected>' in page  # not in the list
