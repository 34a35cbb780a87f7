"""Overdue requests for records (issue #22): the hourly check tells the case's coordinator
(its owner, or every coordinator while nobody has it) once when a request passes its due day,
by the case's reference alone; again only when a reminder's later due day passes too."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from consilium.accounts.models import Role
from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_withdraw_case
from consilium.cases.queue_actions import do_set_case_owner
from consilium.records.models import RecordsRequest
from consilium.records.overdue import notify_overdue_requests
from consilium.records.request_actions import (
    do_close_request,
    do_mark_request_sent,
    do_remind_request,
    do_request_records,
)

ASKED = {"provider_name": "Zebrafinch Imaging Clinic", "asked_items": ["pathology_report"],
         "asked_text": "CT of the chest, March 2026"}


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def coordinator2(make_user):
    return make_user("coordinator2", Role.COORDINATOR)


@pytest.fixture
def sent(journey, users, settings, coordinator2):
    """A case's request, sent on 1 May 2026 and due on 10 May."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with time_machine.travel(at("2026-05-01"), tick=False):
        case, _ = journey("submitted")
        asked = do_request_records(case, ASKED, acting_user=users["coordinator"])
        do_mark_request_sent(asked, {"due_on": "2026-05-10"}, acting_user=users["coordinator"])
    return asked


def check(day: str, capture) -> int:
    with time_machine.travel(at(day), tick=False), capture(execute=True):
        return notify_overdue_requests()


def test_the_coordinators_are_told_once_when_it_passes_its_due_day(
        sent, users, mailoutbox, django_capture_on_commit_callbacks):
    assert check("2026-05-10", django_capture_on_commit_callbacks) == 0  # due today: not late
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 1
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 0  # the next hour
    assert check("2026-05-12", django_capture_on_commit_callbacks) == 0
    # Nobody has the case: every coordinator is told, by the case's reference alone.
    assert sorted(m.to[0] for m in mailoutbox) == ["coordinator2@example.org",
                                                   "coordinator@example.org"]
    reference = sent.case.short_id
    for mail in mailoutbox:
        assert mail.subject == f"Consilium: A request for records is overdue (case {reference})"
        words = (mail.subject + mail.body).lower()
        assert "zebrafinch" not in words and "pathology" not in words and "chest" not in words
        assert f"/cases/{sent.case.id}/" in mail.body
    found = RecordsRequest.objects.get()
    assert str(found.overdue_notified_on) == "2026-05-11"
    assert AuditEntry.objects.filter(action="records_request.overdue", actor=None,
                                     object_id=str(found.id), case_id=sent.case.id).count() == 1


def test_a_reminders_later_due_day_passing_is_told_again(
        sent, users, mailoutbox, django_capture_on_commit_callbacks):
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 1
    with time_machine.travel(at("2026-05-12"), tick=False):
        reminded = do_remind_request(sent, acting_user=users["coordinator"])
    assert str(reminded.due_on) == "2026-05-26"
    assert check("2026-05-26", django_capture_on_commit_callbacks) == 0
    assert check("2026-05-27", django_capture_on_commit_callbacks) == 1
    assert check("2026-05-28", django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 4  # two coordinators, twice


def test_the_cases_owner_alone_is_told(sent, users, coordinator2, mailoutbox,
                                       django_capture_on_commit_callbacks):
    do_set_case_owner(sent.case, coordinator2.id, acting_user=users["coordinator"])
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mailoutbox] == [["coordinator2@example.org"]]


def test_an_owner_who_left_is_replaced_by_every_coordinator(
        sent, users, coordinator2, mailoutbox, django_capture_on_commit_callbacks):
    do_set_case_owner(sent.case, coordinator2.id, acting_user=users["coordinator"])
    type(coordinator2).objects.filter(pk=coordinator2.pk).update(is_active=False)
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mailoutbox] == [["coordinator@example.org"]]


def test_received_requests_and_closed_cases_are_not_told(
        sent, users, journey, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(at("2026-05-01"), tick=False):
        withdrawn, _ = journey("submitted")
        late = do_request_records(withdrawn, ASKED, acting_user=users["coordinator"])
        do_mark_request_sent(late, {"due_on": "2026-05-03"}, acting_user=users["coordinator"])
        do_withdraw_case(withdrawn, acting_user=users["patient"])
    with time_machine.travel(at("2026-05-09"), tick=False):
        do_close_request(sent, acting_user=users["coordinator"])
    assert check("2026-05-11", django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []
    assert not RecordsRequest.objects.filter(overdue_notified_on__isnull=False).exists()


def test_the_hourly_command_runs_it(sent, capsys, mailoutbox):
    with time_machine.travel(at("2026-05-11"), tick=False):
        call_command("check_deadlines")
    assert "1 overdue requests for records notified." in capsys.readouterr().out
