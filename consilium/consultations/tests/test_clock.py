"""The clock (clock.py): business days, due dates from complete records, and the deadline
task (expiry, reminder, escalation) under a frozen clock."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_mark_records_complete
from consilium.cases.models import Event, EventKind
from consilium.consultations import clock
from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
from consilium.consultations.deadlines import check_deadlines
from consilium.consultations.models import ConsultationStatus

CHRISTMAS = frozenset({date(2026, 12, 25), date(2027, 1, 1)})


@pytest.fixture
def deadlines(django_capture_on_commit_callbacks, settings):
    """The deadline task, with the notices it queues sent at once (as a worker would after
    its commit)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return check_deadlines()
    return run


def at(day: str, hour: int = 9):
    """A moment in the program's time zone, for the frozen clock."""
    from django.conf import settings

    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(
        tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.mark.parametrize("start, days, due", [
    ("2026-11-23", 1, "2026-11-24"),  # Monday + 1 → Tuesday
    ("2026-11-27", 1, "2026-11-30"),  # Friday + 1 → Monday
    ("2026-11-28", 1, "2026-11-30"),  # Saturday + 1 → Monday
    ("2026-11-23", 7, "2026-12-02"),  # a week and two days
    ("2026-12-23", 2, "2026-12-28"),  # over Christmas Friday and the weekend
    ("2026-12-24", 5, "2027-01-04"),  # over Christmas and New Year's Day
    ("2026-11-23", 0, "2026-11-23"),
])
def test_business_days_skip_weekends_and_holidays(db, settings, start, days, due):
    # db: the holidays are the program's terms in force (none changed here: the settings')
    settings.HOLIDAYS = CHRISTMAS
    assert clock.add_business_days(date.fromisoformat(start), days) == \
        date.fromisoformat(due)
    assert clock.business_days_between(
        date.fromisoformat(start), date.fromisoformat(due)) == days


def test_holidays_come_from_the_environment(monkeypatch):
    import importlib

    import consilium.settings as program_settings

    monkeypatch.setenv("CONSILIUM_HOLIDAYS", "2026-12-25, 2027-01-01")
    try:
        assert importlib.reload(program_settings).HOLIDAYS == CHRISTMAS
        monkeypatch.setenv("CONSILIUM_HOLIDAYS", "Christmas")
        from django.core.exceptions import ImproperlyConfigured
        with pytest.raises(ImproperlyConfigured, match="ISO dates"):
            importlib.reload(program_settings)
    finally:
        monkeypatch.delenv("CONSILIUM_HOLIDAYS")
        importlib.reload(program_settings)


def test_the_clock_starts_when_the_records_are_complete(journey, users, specialists,
                                                        settings):
    settings.SERVICE_LEVEL_DAYS, settings.OFFER_ANSWER_DAYS = 7, 2
    with time_machine.travel(at("2026-11-20"), tick=False):  # a Friday
        case, _ = journey("submitted")
        do_mark_records_complete(case, acting_user=users["coordinator"])
    with time_machine.travel(at("2026-11-23"), tick=False):  # the Monday after
        offer = do_offer_consultation(case, specialists["specialist"].id,
                                      acting_user=users["coordinator"])
    assert offer.answer_due == date(2026, 11, 25)  # two business days to answer
    assert offer.due_date == date(2026, 12, 1)  # seven business days from Friday
    with time_machine.travel(at("2026-11-24"), tick=False):
        do_accept_consultation(offer, acting_user=users["specialist"])
    offer.refresh_from_db()
    assert offer.due_date == date(2026, 12, 1)  # accepting does not move it


def test_offered_before_the_records_are_complete(journey, users, settings):
    settings.SERVICE_LEVEL_DAYS = 7
    with time_machine.travel(at("2026-11-23"), tick=False):
        case, offer = journey("offered")
    assert offer.due_date is None  # the clock has not started
    with time_machine.travel(at("2026-11-25"), tick=False):
        do_mark_records_complete(case, acting_user=users["coordinator"])
    offer.refresh_from_db()
    assert offer.due_date == date(2026, 12, 4)
    other, second = journey("offered", patient="patient2")
    with time_machine.travel(at("2026-11-26"), tick=False):  # accepted as sent
        do_accept_consultation(second, acting_user=users["specialist"])
    second.refresh_from_db()
    assert second.due_date == date(2026, 12, 7)


def test_an_unanswered_offer_expires_and_the_case_can_be_offered_again(
        journey, users, specialists, settings, deadlines):
    settings.OFFER_ANSWER_DAYS = 2
    with time_machine.travel(at("2026-11-23"), tick=False):
        case, offer = journey("offered")
    with time_machine.travel(at("2026-11-25", 18), tick=False):  # the last day to answer
        assert deadlines().expired == 0
    mail.outbox.clear()
    with time_machine.travel(at("2026-11-26"), tick=False):
        assert deadlines().expired == 1
        assert deadlines().expired == 0  # once
    offer.refresh_from_db()
    assert offer.status == ConsultationStatus.EXPIRED
    assert Event.objects.filter(case=case, kind=EventKind.EXPIRED, actor=None).exists()
    assert AuditEntry.objects.filter(action="consultation.expire", actor=None).exists()
    assert [m.to for m in mail.outbox] == [[users["coordinator"].email]]
    assert "expired" in mail.outbox[0].subject
    assert case.diagnosis_text not in mail.outbox[0].body
    # The next proposal can be offered at once.
    again = do_offer_consultation(case, specialists["specialist2"].id,
                                  acting_user=users["coordinator"])
    assert again.status == ConsultationStatus.OFFERED


def test_reminder_before_and_escalation_after_the_due_date(journey, users, settings,
                                                          deadlines,
                                                          django_capture_on_commit_callbacks):
    settings.SERVICE_LEVEL_DAYS, settings.REMINDER_DAYS_BEFORE = 7, 2
    with time_machine.travel(at("2026-11-23"), tick=False):
        case, consultation = journey("accepted")
    consultation.refresh_from_db()
    assert consultation.due_date == date(2026, 12, 2)  # a Wednesday
    mail.outbox.clear()
    with time_machine.travel(at("2026-11-27"), tick=False):  # three business days before
        assert deadlines().reminded == 0
    with time_machine.travel(at("2026-11-30"), tick=False):  # two business days before
        assert deadlines().reminded == 1
        assert deadlines().reminded == 0
    assert [m.to for m in mail.outbox] == [[users["specialist"].email]]
    assert "due soon" in mail.outbox[0].subject
    mail.outbox.clear()
    with time_machine.travel(at("2026-12-02", 20), tick=False):  # due today: not yet late
        assert deadlines().escalated == 0
    with time_machine.travel(at("2026-12-03"), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("check_deadlines", stdout=StringIO())
        assert deadlines().escalated == 0  # once
    consultation.refresh_from_db()
    assert consultation.escalated_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [users["specialist"].email, users["coordinator"].email])
    assert all("overdue" in m.subject and case.diagnosis_text not in m.body
               for m in mail.outbox)
    kinds = list(Event.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.REMINDED in kinds and EventKind.OVERDUE in kinds
