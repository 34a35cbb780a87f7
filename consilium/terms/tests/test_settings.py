"""The program's settings (issue #22): the environment's defaults until an administrator
changes them on /program/settings/; a change is a new row, in force at once for what is
worked out next, listed in the history and written to the audit trail; anyone else is
answered 404, and bad input changes nothing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_mark_records_complete
from consilium.consultations import clock
from consilium.consultations.actions import do_offer_consultation
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.opinions.actions import do_ask_follow_up
from consilium.opinions.models import Opinion
from consilium.records.request_actions import default_due
from consilium.terms.access import current
from consilium.terms.actions import do_change_program_settings
from consilium.terms.models import ProgramSettings

URL = "/program/settings/"


def at(day: str, hour: int = 9):
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(
        tzinfo=ZoneInfo(django_settings.TIME_ZONE))


@pytest.fixture
def admin(users):
    return users["admin"]


def change(admin, based_on=None, reason="The board's new service level.", **values):
    """One change through the action, on top of the values in force."""
    terms = current()
    based_on = (terms.changed.id if terms.changed else 0) if based_on is None else based_on
    return do_change_program_settings({**terms.values(), **values}, reason,
                                      based_on=based_on, acting_user=admin)


def form(terms=None, **values) -> dict:
    """What the page posts: the values in force, changed by ``values``."""
    terms = terms or current()
    posted = {**terms.values(), "reason": "Longer for the holidays.",
              "based_on": terms.changed.id if terms.changed else 0, **values}
    if isinstance(posted["holidays"], list):
        posted["holidays"] = "\n".join(posted["holidays"])
    return posted


def test_with_no_change_the_environment_is_in_force(db, settings):
    settings.SERVICE_LEVEL_DAYS, settings.FOLLOW_UP_QUESTIONS = 9, 4
    settings.HOLIDAYS = frozenset({date(2026, 12, 25)})
    terms = current()
    assert (terms.service_level_days, terms.follow_up_questions, terms.changed) == (9, 4, None)
    assert terms.holidays == {date(2026, 12, 25)}
    assert (terms.offer_answer_days, terms.reminder_days_before, terms.task_reminder_days) == (
        settings.OFFER_ANSWER_DAYS, settings.REMINDER_DAYS_BEFORE, settings.TASK_REMINDER_DAYS)


def test_a_change_sets_the_next_due_date_and_leaves_the_ones_set(
        journey, users, specialists, settings, admin):
    settings.SERVICE_LEVEL_DAYS, settings.HOLIDAYS = 7, frozenset()
    with time_machine.travel(at("2026-11-20"), tick=False):  # a Friday
        first, _ = journey("submitted")
        second, _ = journey("submitted")
        do_mark_records_complete(first, acting_user=users["coordinator"])
        do_mark_records_complete(second, acting_user=users["coordinator"])
        before = do_offer_consultation(first, specialists["specialist"].id,
                                       acting_user=users["coordinator"])
        assert before.due_date == date(2026, 12, 1)
        change(admin, service_level_days=10, holidays=["2026-11-30"])
        after = do_offer_consultation(second, specialists["specialist"].id,
                                      acting_user=users["coordinator"])
    # Ten business days from the Friday, skipping the new holiday on Monday the 30th.
    assert after.due_date == date(2026, 12, 7)
    before.refresh_from_db()
    assert before.due_date == date(2026, 12, 1)  # set before the change: it stays
    assert not clock.is_business_day(date(2026, 11, 30))


def test_a_change_sets_the_follow_up_limit(journey, users, admin):
    journey("opinion_delivered")
    opinion = Opinion.objects.get()
    change(admin, follow_up_questions=1)
    do_ask_follow_up(opinion, "What about radiation?", acting_user=users["patient"])
    with pytest.raises(Conflict, match="all 1 follow-up"):
        do_ask_follow_up(opinion, "And after?", acting_user=users["patient"])
    change(admin, follow_up_questions=2, reason="Patients asked for more.")
    do_ask_follow_up(opinion, "And after?", acting_user=users["patient"])


def test_a_change_sets_the_next_records_request_due_date(db, admin, settings):
    settings.RECORDS_REQUEST_DAYS = 14
    assert default_due(date(2026, 12, 1)) == date(2026, 12, 15)
    change(admin, records_request_days=30, reason="HIPAA allows providers 30 days.")
    assert default_due(date(2026, 12, 1)) == date(2026, 12, 31)


def test_each_change_is_a_row_and_an_audit_row(db, admin, settings):
    settings.SERVICE_LEVEL_DAYS = 7
    first = change(admin, service_level_days=10)
    second = change(admin, follow_up_questions=5, reason="More questions.")
    assert list(ProgramSettings.objects.order_by("id")) == [first, second]
    assert first.previous == {"service_level_days": 7}
    assert second.previous == {"follow_up_questions": django_settings.FOLLOW_UP_QUESTIONS}
    assert (second.service_level_days, second.changed_by) == (10, admin)
    assert current().changed == second
    entries = AuditEntry.objects.filter(action="program_settings.change")
    assert sorted(int(entry.object_id) for entry in entries) == [first.id, second.id]
    assert {entry.actor for entry in entries} == {admin}


@pytest.mark.parametrize("values, field", [
    ({"service_level_days": 0}, "service_level_days"),
    ({"service_level_days": 61}, "service_level_days"),
    ({"service_level_days": "seven"}, "service_level_days"),
    ({"follow_up_questions": 21}, "follow_up_questions"),
    ({"follow_up_questions": -1}, "follow_up_questions"),
    ({"offer_answer_days": 0}, "offer_answer_days"),
    ({"records_request_days": 91}, "records_request_days"),
    ({"reminder_days_before": 7}, "reminder_days_before"),  # not before a 7-day due date
    ({"holidays": ["2026-12-25", "25/12/2026"]}, "holidays"),
    ({"holidays": ["2026-12-25", "2026-12-25"]}, "holidays"),
    ({"holidays": ["2040-01-01"]}, "holidays"),
])
def test_bad_values_are_refused_and_nothing_is_written(db, admin, settings, values, field):
    settings.SERVICE_LEVEL_DAYS = 7
    with time_machine.travel(at("2026-12-03"), tick=False):
        with pytest.raises(InvalidInput) as refused:
            change(admin, **values)
    assert field in refused.value.errors
    assert not ProgramSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="program_settings.change").exists()


def test_no_reason_nothing_changed_or_a_stale_view_is_refused(db, admin):
    with pytest.raises(InvalidInput) as refused:
        change(admin, service_level_days=12, reason="  ")
    assert "reason" in refused.value.errors
    with pytest.raises(InvalidInput, match="correct"):
        change(admin)  # the values in force already
    first = change(admin, service_level_days=12)
    with pytest.raises(Conflict, match="Another administrator"):
        change(admin, based_on=0, service_level_days=14)  # confirmed before `first`
    assert list(ProgramSettings.objects.all()) == [first]


def test_only_administrators_change_the_settings(db, users):
    for name in ("coordinator", "specialist", "patient"):
        with pytest.raises(NotAllowed):
            change(users[name], service_level_days=12)
    assert not ProgramSettings.objects.exists()


# --- the page -----------------------------------------------------------------------------


def test_others_are_answered_404(client, login, users):
    for name in ("coordinator", "specialist", "patient", "caregiver"):
        login(users[name])
        assert client.get(URL).status_code == 404
        assert client.post(URL, form(service_level_days=12, intent="confirm")
                           ).status_code == 404
    assert not ProgramSettings.objects.exists()


def test_the_page_shows_the_defaults_then_reviews_then_changes(client, login, admin):
    login(admin)
    page = client.get(URL).content.decode()
    assert "the server's defaults" in page and "No changes yet" in page
    review = client.post(URL, form(service_level_days=12, holidays="2026-12-25\n2027-01-01",
                                   intent="review"))
    text = review.content.decode()
    assert review.status_code == 200 and "Put these settings in force?" in text
    assert "7 business days" in text and "12 business days" in text
    assert "added 2026-12-25, 2027-01-01" in text and "stay as they are" in text
    assert not ProgramSettings.objects.exists()  # nothing until confirmed
    done = client.post(URL, form(service_level_days=12, holidays="2026-12-25\n2027-01-01",
                                 intent="confirm"))
    assert done.status_code == 302
    row = ProgramSettings.objects.get()
    assert (row.service_level_days, row.holidays) == (12, ["2026-12-25", "2027-01-01"])
    page = client.get(URL).content.decode()
    assert "Longer for the holidays." in page and "7 business days → 12 business days" in page
    assert 'value="12"' in page and "2026-12-25\n2027-01-01" in page


def test_the_page_refuses_bad_input_and_keeps_what_was_typed(client, login, admin):
    login(admin)
    for intent in ("review", "confirm"):
        response = client.post(URL, form(service_level_days=12,
                                          holidays="2026-12-25\nChristmas", intent=intent))
        text = response.content.decode()
        assert response.status_code == 422
        assert "Line 2 (“Christmas”) is not a date" in text and "2026-12-25\nChristmas" in text
    assert not ProgramSettings.objects.exists()
    assert not AuditEntry.objects.filter(action="program_settings.change").exists()


def test_a_stale_confirmation_is_answered_409(client, login, admin):
    login(admin)
    stale = form(service_level_days=12, intent="confirm")
    change(admin, follow_up_questions=5)
    response = client.post(URL, stale)
    assert response.status_code == 409 and "Another administrator" in response.content.decode()
    assert ProgramSettings.objects.count() == 1
    # the form now stands on the change in force: confirming again works
    assert client.post(URL, {**stale, "based_on": current().changed.id}).status_code == 302


def test_the_history_is_paged(client, login, admin):
    for days in range(3, 26):
        change(admin, service_level_days=days, reason=f"Step {days}.")
    login(admin)
    first = client.get(URL).content.decode()
    assert "Step 25." in first and "Step 6." in first and "Step 5." not in first
    assert "Page 1 of 2" in first
    assert "Step 5." in client.get(URL + "?page=2").content.decode()


def test_the_terms_are_read_once_per_request(client, login, users, journey, admin):
    change(admin, holidays=["2026-12-25"])
    for _ in range(3):
        journey("accepted")
    login(users["coordinator"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/queue/").status_code == 200
    reads = [q for q in captured if 'FROM "terms_programsettings"' in q["sql"]]
    assert len(reads) == 1
