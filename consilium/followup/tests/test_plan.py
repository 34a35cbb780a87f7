"""The follow-up plan: made from the opinion and the decision, reminded once before each
step is due (on a frozen clock), exported as a calendar, answered months later."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from icalendar import Calendar

from consilium.cases.actions import do_close_case, do_share_case
from consilium.decisions.actions import do_record_decision, do_save_decision_aid
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.followup.actions import (
    do_add_task,
    do_answer_outcome,
    do_mark_task,
    do_start_plan,
)
from consilium.followup.models import FollowUpTask, OutcomeCheck
from consilium.followup.reminders import send_reminders
from consilium.opinions.models import Opinion

TASK = {"title": "Book the surgeon", "kind": "appointment", "owner": "patient",
        "due_date": "2027-01-10"}


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def decided(journey, users):
    """Decided on 2 December 2026; the opinion asks for a test and a check-up."""
    with time_machine.travel(at("2026-12-01"), tick=False):
        case, consultation = journey("opinion_delivered")
        Opinion.objects.filter(consultation=consultation).update(
            further_tests="- Repeat receptor testing\n- Genetic testing (BRCA)",
            follow_up="Mammogram in six months")
        do_save_decision_aid(case, {"next_steps": "Tell my employer"},
                             acting_user=users["patient"])
    with time_machine.travel(at("2026-12-02"), tick=False):
        do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    return case


def test_the_plan_is_made_from_the_opinion_and_the_next_steps(decided, users):
    with time_machine.travel(at("2026-12-03"), tick=False):
        tasks = do_start_plan(decided, acting_user=users["patient"])
    decided.refresh_from_db()
    assert decided.status == "following_up"
    assert [(t.title, t.kind, t.owner, t.due_date) for t in tasks] == [
        ("Repeat receptor testing", "test", "treating_physician", date(2026, 12, 17)),
        ("Genetic testing (BRCA)", "test", "treating_physician", date(2026, 12, 17)),
        ("Mammogram in six months", "monitoring", "patient", date(2027, 1, 2)),
        ("Tell my employer", "other", "patient", date(2026, 12, 10)),
    ]
    assert [(c.months, c.due_date) for c in OutcomeCheck.objects.filter(case=decided)] == [
        (3, date(2027, 3, 2)), (12, date(2027, 12, 2))]


def test_each_step_is_reminded_once_before_it_is_due(decided, users, settings, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with time_machine.travel(at("2026-12-03"), tick=False):
        do_start_plan(decided, acting_user=users["patient"])
        do_add_task(decided, {"title": "Book the radiotherapy planning", "kind": "appointment",
                              "owner": "coordinator", "due_date": "2026-12-12"},
                    acting_user=users["coordinator"])
    # due 10 Dec (next steps), 12 Dec (coordinator), 17 Dec (two tests), 2 Jan (mammogram)
    for day, expected in (("2026-12-07", 0), ("2026-12-08", 1), ("2026-12-09", 0),
                          ("2026-12-10", 1), ("2026-12-15", 2), ("2026-12-16", 0)):
        with time_machine.travel(at(day), tick=False), \
                django_capture_on_commit_callbacks(execute=True):
            assert send_reminders().tasks == expected, day
    sent = [(m.to, m.subject.split(" (case ")[0]) for m in mailoutbox]
    assert (["patient@example.org"], "Consilium: A step of your follow-up plan is due soon") in sent
    assert (["coordinator@example.org"], "Consilium: A follow-up task is due soon") in sent
    assert len(sent) == 4  # one per step, never twice
    assert all("receptor" not in m.body.lower() + m.subject.lower() for m in mailoutbox)
    assert FollowUpTask.objects.filter(reminded_on__isnull=True).count() == 1  # the mammogram


def test_the_outcome_question_opens_after_three_months(decided, users, login, client):
    with time_machine.travel(at("2026-12-03"), tick=False):
        do_start_plan(decided, acting_user=users["patient"])
    check = OutcomeCheck.objects.get(case=decided, months=3)
    with time_machine.travel(at("2027-02-01"), tick=False):
        with pytest.raises(Conflict):
            do_answer_outcome(check, "second", "", acting_user=users["patient"])
    with time_machine.travel(at("2027-03-02"), tick=False):
        assert send_reminders().outcome_questions == 1
        assert send_reminders().outcome_questions == 0
        with pytest.raises(NotAllowed):
            do_answer_outcome(check, "second", "", acting_user=users["coordinator"])
        login(users["patient"])
        page = client.get(f"/cases/{decided.id}/plan/").content.decode()
        assert "3 months on: how are you doing?" in page
        refused = client.post(f"/cases/{decided.id}/plan/outcome/{check.id}/",
                              {"followed": "maybe"})
        assert refused.status_code == 422
        done = client.post(f"/cases/{decided.id}/plan/outcome/{check.id}/",
                           {"followed": "second", "outcome": "Surgery went well."})
        assert done.status_code == 302
    check.refresh_from_db()
    assert (check.followed, check.outcome) == ("second", "Surgery went well.")


def test_the_page_adds_and_ticks_off_steps_and_exports_a_calendar(decided, users, login,
                                                                 client):
    do_start_plan(decided, acting_user=users["patient"])
    login(users["patient"])
    page = client.get(f"/cases/{decided.id}/plan/").content.decode()
    assert "Repeat receptor testing" in page and "Add a step" in page
    bad = client.post(f"/cases/{decided.id}/plan/tasks/", {
        "title": "", "kind": "test", "owner": "patient", "due_date": "2027-01-10"})
    assert bad.status_code == 422
    added = client.post(f"/cases/{decided.id}/plan/tasks/", {
        "title": "Physiotherapy check", "kind": "appointment", "owner": "patient",
        "due_date": "2027-01-10"})
    assert added.status_code == 302
    # The title is encrypted in its column: found by reading, not by a query.
    task = next(t for t in FollowUpTask.objects.filter(case=decided)
                if t.title == "Physiotherapy check")
    client.post(f"/cases/{decided.id}/plan/tasks/{task.id}/", {"done": "yes"})
    task.refresh_from_db()
    assert task.is_done and task.done_by == users["patient"]
    calendar = Calendar.from_ical(client.get(f"/cases/{decided.id}/plan/plan.ics").content)
    summaries = {str(e["summary"]) for e in calendar.walk("VEVENT")}
    assert "Repeat receptor testing" in summaries and "Physiotherapy check" not in summaries
    login(users["patient2"])
    assert client.get(f"/cases/{decided.id}/plan/").status_code == 404
    assert client.get(f"/cases/{decided.id}/plan/plan.ics").status_code == 404


def test_no_plan_changes_before_the_decision_or_by_others(journey, users):
    case, _ = journey("opinion_delivered")
    with pytest.raises(Conflict):
        do_add_task(case, {"title": "x", "kind": "test", "owner": "patient",
                           "due_date": "2027-01-01"}, acting_user=users["patient"])
    with pytest.raises(NotAllowed):
        do_add_task(case, {"title": "x", "kind": "test", "owner": "patient",
                           "due_date": "2027-01-01"}, acting_user=users["specialist"])
    do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    with pytest.raises(InvalidInput):
        do_add_task(case, {"title": "x", "kind": "test", "owner": "patient",
                           "due_date": "soon"}, acting_user=users["patient"])


def test_a_closed_cases_plan_stays_as_it_was(decided, users, login, client):
    """The follow-up policy: ticking a step off is a change of the plan, so it ends when the
    case is closed, on the page and in the action alike."""
    do_start_plan(decided, acting_user=users["patient"])
    task = do_add_task(decided, TASK, acting_user=users["coordinator"])
    do_close_case(decided, acting_user=users["patient"])
    with pytest.raises(Conflict, match="until the case is closed"):
        do_mark_task(task, True, acting_user=users["patient"])
    login(users["patient"])
    page = client.get(f"/cases/{decided.id}/plan/").content.decode()
    assert "Book the surgeon" in page
    assert f"/plan/tasks/{task.id}/" not in page and "Add a step" not in page
    refused = client.post(f"/cases/{decided.id}/plan/tasks/{task.id}/", {"done": "yes"})
    assert refused.status_code == 409
    task.refresh_from_db()
    assert not task.is_done


def test_who_may_not_change_the_plan_is_refused_not_asked_to_correct(decided, users, login,
                                                                     client):
    """A caregiver's step, even a badly filled one, is refused (403) before its fields are
    read, and a coordinator answering the patient's question is refused the same way."""
    do_start_plan(decided, acting_user=users["patient"])
    do_share_case(decided, "caregiver", acting_user=users["patient"])
    login(users["caregiver"])
    page = client.get(f"/cases/{decided.id}/plan/").content.decode()
    assert "Add a step" not in page and "/plan/tasks/" not in page
    refused = client.post(f"/cases/{decided.id}/plan/tasks/", {"title": ""})
    assert refused.status_code == 403
    assert "Only the patient and the program" in refused.content.decode()
    check = OutcomeCheck.objects.get(case=decided, months=3)
    with time_machine.travel(at("2027-03-02"), tick=False):
        login(users["coordinator"])
        answer = client.post(f"/cases/{decided.id}/plan/outcome/{check.id}/", {})
    assert answer.status_code == 403
    assert "Only the patient answers" in answer.content.decode()
    assert not FollowUpTask.objects.filter(case=decided, source="added").exists()


def test_a_decided_cases_empty_plan_says_it_is_not_made_yet_not_that_all_is_done(
        decided, users, login, client):
    login(users["patient"])
    page = client.get(f"/cases/{decided.id}/plan/").content.decode()
    assert "Nothing left to do" not in page and "No steps on the plan yet" in page
    do_start_plan(decided, acting_user=users["patient"])
    for task in FollowUpTask.objects.filter(case=decided):
        do_mark_task(task, True, acting_user=users["patient"])
    page = client.get(f"/cases/{decided.id}/plan/").content.decode()
    assert "Nothing left to do on the plan." in page
