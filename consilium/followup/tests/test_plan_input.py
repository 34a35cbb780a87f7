"""A step of the plan and an answer to an outcome question are read by declared schemas
(followup/schemas.py TaskIn, OutcomeIn): the page and the action refuse a blank, too long,
badly written or unknown value in the same plain words, naming the field, and save nothing."""

from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from consilium.decisions.actions import do_record_decision
from consilium.errors import InvalidInput
from consilium.followup.actions import do_add_task, do_answer_outcome, do_start_plan
from consilium.followup.models import FollowUpTask, OutcomeCheck

TASK = {"title": "Book the surgeon", "kind": "appointment", "owner": "patient",
        "due_date": "2027-01-10"}
DUE_WORDS = "Give the date it is due, such as 2027-01-15."
TITLE_LIMIT = 300
OUTCOME_LIMIT = 5000


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def planned(journey, users):
    with time_machine.travel(at("2026-12-02"), tick=False):
        case, _ = journey("opinion_delivered")
        do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
        do_start_plan(case, acting_user=users["patient"])
    return case


def added(case) -> list[str]:
    return [t.title for t in FollowUpTask.objects.filter(case=case, source="added")]


@pytest.mark.parametrize("fields, field, message", [
    ({"title": ""}, "title", "Say what is to be done."),
    ({"title": "  \t\n "}, "title", "Say what is to be done."),
    ({"title": "x" * (TITLE_LIMIT + 1)}, "title", f"Keep this under {TITLE_LIMIT} characters."),
    ({"title": "x" * 100_000}, "title", f"Keep this under {TITLE_LIMIT} characters."),
    ({"kind": "holiday"}, "kind", "Choose one of the answers."),
    ({"kind": ""}, "kind", "Choose one of the answers."),
    ({"owner": "the neighbour"}, "owner", "Choose one of the answers."),
    ({"due_date": ""}, "due_date", DUE_WORDS),
    ({"due_date": "   "}, "due_date", DUE_WORDS),
    ({"due_date": "31/12/2030"}, "due_date", DUE_WORDS),
    ({"due_date": "2030-02-30"}, "due_date", DUE_WORDS),
    ({"due_date": "tomorrow"}, "due_date", DUE_WORDS),
    ({"due_date": "20301231"}, "due_date", DUE_WORDS),
])
def test_a_step_is_refused_alike_on_the_page_and_in_the_action(planned, users, login, client,
                                                               fields, field, message):
    login(users["patient"])
    page = client.post(f"/cases/{planned.id}/plan/tasks/", {**TASK, **fields})
    assert page.status_code == 422
    text = unescape(page.content.decode())
    assert message in text
    assert "This field is required" not in text and "Enter a valid" not in text
    assert "Select a valid choice" not in text and "Ensure this value" not in text
    with pytest.raises(InvalidInput) as refused:
        do_add_task(planned, {**TASK, **fields}, acting_user=users["patient"])
    assert refused.value.errors == {field: message}
    assert added(planned) == []


@pytest.mark.parametrize("data, field", [
    ({"kind": "test", "owner": "patient", "due_date": "2027-01-10"}, "title"),
    ({**TASK, "title": ["a", "list"]}, "title"),
    ({**TASK, "owner": None}, "owner"),
    ({**TASK, "due_date": 1_800_000_000}, "due_date"),
    ({**TASK, "due_date": None}, "due_date"),
])
def test_the_action_names_a_missing_or_wrong_kind_of_field(planned, users, data, field):
    with pytest.raises(InvalidInput) as refused:
        do_add_task(planned, data, acting_user=users["patient"])
    assert list(refused.value.errors) == [field]
    assert "Input should" not in refused.value.errors[field]


def test_a_sloppy_step_is_tidied_and_a_date_is_taken_as_it_is(planned, users, login, client):
    login(users["patient"])
    page = client.post(f"/cases/{planned.id}/plan/tasks/", {
        **TASK, "title": "  Physiotherapy check  ", "due_date": " 2027-01-10 "})
    assert page.status_code == 302
    task = do_add_task(planned, {**TASK, "title": "y" * TITLE_LIMIT,
                                 "due_date": date(2027, 2, 1)}, acting_user=users["patient"])
    task.refresh_from_db()
    assert (len(task.title), task.due_date) == (TITLE_LIMIT, date(2027, 2, 1))
    assert sorted(added(planned)) == sorted(["Physiotherapy check", "y" * TITLE_LIMIT])


@pytest.mark.parametrize("fields, field, message", [
    ({"followed": "maybe"}, "followed", "Choose what you did."),
    ({"followed": ""}, "followed", "Choose what you did."),
    ({"outcome": "x" * (OUTCOME_LIMIT + 1)}, "outcome",
     f"Keep this under {OUTCOME_LIMIT:,} characters."),
])
def test_an_answer_is_refused_alike_on_the_page_and_in_the_action(planned, users, login,
                                                                  client, fields, field,
                                                                  message):
    check = OutcomeCheck.objects.get(case=planned, months=3)
    data = {"followed": "second", "outcome": "Recovering well.", **fields}
    with time_machine.travel(at("2027-03-02"), tick=False):
        login(users["patient"])
        page = client.post(f"/cases/{planned.id}/plan/outcome/{check.id}/", data)
        assert page.status_code == 422
        text = unescape(page.content.decode())
        assert message in text
        assert "This field is required" not in text and "Select a valid choice" not in text
        with pytest.raises(InvalidInput) as refused:
            do_answer_outcome(check, data["followed"], data["outcome"],
                              acting_user=users["patient"])
    assert refused.value.errors == {field: message}
    check.refresh_from_db()
    assert check.answered_at is None


def test_an_answer_of_the_wrong_kind_is_named_and_spaces_are_no_words(planned, users):
    check = OutcomeCheck.objects.get(case=planned, months=3)
    with time_machine.travel(at("2027-03-02"), tick=False):
        with pytest.raises(InvalidInput) as refused:
            do_answer_outcome(check, "second", ["a", "list"], acting_user=users["patient"])
        assert list(refused.value.errors) == ["outcome"]
        answered = do_answer_outcome(check, "nothing", "   ", acting_user=users["patient"])
    assert (answered.followed, answered.outcome) == ("nothing", "")
