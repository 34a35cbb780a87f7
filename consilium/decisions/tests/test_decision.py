"""The patient's decision: recorded after a confirmation, changed until the case is closed
(each change an event, an audit row and a kept earlier choice), and a double submission
that records it once."""

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_close_case
from consilium.cases.models import Event, EventKind
from consilium.decisions.actions import do_record_decision
from consilium.decisions.models import Decision, EarlierDecision
from consilium.decisions.policy import policy
from consilium.errors import Conflict, NotAllowed
from consilium.followup.actions import do_start_plan
from consilium.followup.models import FollowUpTask, OutcomeCheck

KEY = "k" * 20


def _case_in(journey, users, state):
    case, _ = journey("opinion_delivered")
    if state in ("decided", "following_up", "closed"):
        do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    if state in ("following_up", "closed"):
        do_start_plan(case, acting_user=users["patient"])
    if state == "closed":
        do_close_case(case, acting_user=users["patient"])
    case.refresh_from_db()
    return case


# What each role may do about the decision in each state (those who do not see the case
# never get this far: the access helpers answer 404).
EXPECTED = {
    "opinion_delivered": {"patient": {"decide", "save_aid"}},
    "decided": {"patient": {"change_decision", "save_aid"}},
    "following_up": {"patient": {"change_decision", "save_aid"}},
    "closed": {"patient": set()},
}


@pytest.mark.parametrize("state", EXPECTED)
def test_the_policy_per_role_and_state(journey, users, state):
    case = _case_in(journey, users, state)
    for role in ("patient", "patient2", "caregiver", "coordinator", "specialist", "physician"):
        allowed = policy.allowed(users[role], case)
        assert allowed == EXPECTED[state].get(role, set()), (role, state)
        for action in policy.actions:
            refusal = policy.refusal(users[role], case, action)
            if action not in allowed:
                expected = Conflict if role == "patient" else NotAllowed
                assert isinstance(refusal, expected), (role, state, action)


def test_the_api_records_then_changes_and_keeps_the_earlier_choice(api, journey, users):
    case = _case_in(journey, users, "opinion_delivered")
    path = f"/cases/{case.id}/decision"
    first = api(users["patient"], "POST", path, {"choice": "first_opinion"})
    assert first.status_code == 201
    assert first.json()["changes"] == 0
    assert first.json()["allowed_actions"] == ["change_decision", "save_aid"]
    changed = api(users["patient"], "POST", path,
                  {"choice": "second_opinion", "explanation": "Fewer side effects."})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["choice"], body["changes"]) == ("second_opinion", 1)
    assert [e["choice"] for e in body["earlier"]] == ["first_opinion"]
    assert Decision.objects.get(case=case).choice == "second_opinion"
    assert list(EarlierDecision.objects.filter(case=case).values_list("choice", flat=True)) \
        == ["first_opinion"]
    kinds = list(Event.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds.count(EventKind.DECIDED) == 1 and kinds.count(EventKind.DECISION_CHANGED) == 1
    actions = set(AuditEntry.objects.filter(case_id=case.id).values_list("action", flat=True))
    assert {"decision.create", "decision.change"} <= actions
    # The same choice and words again change nothing.
    again = api(users["patient"], "POST", path,
                {"choice": "second_opinion", "explanation": "Fewer side effects."})
    assert again.status_code == 200
    assert EarlierDecision.objects.filter(case=case).count() == 1
    assert Event.objects.filter(case=case, kind=EventKind.DECISION_CHANGED).count() == 1


def test_a_change_after_the_case_is_closed_is_refused_with_409(api, client, login, journey,
                                                               users):
    case = _case_in(journey, users, "closed")
    answer = api(users["patient"], "POST", f"/cases/{case.id}/decision",
                 {"choice": "no_treatment"})
    assert answer.status_code == 409
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/decision/", {"choice": "no_treatment",
                                                        "confirmed": "1"})
    assert page.status_code == 409
    assert Decision.objects.get(case=case).choice == "second_opinion"
    assert not EarlierDecision.objects.filter(case=case).exists()
    assert api(users["coordinator"], "POST", f"/cases/{case.id}/decision",
               {"choice": "no_treatment"}).status_code == 403


def test_the_page_asks_for_confirmation_in_plain_words_before_recording(client, login,
                                                                        journey, users):
    case = _case_in(journey, users, "opinion_delivered")
    login(users["patient"])
    case_page = client.get(f"/cases/{case.id}/").content.decode()
    assert "You can change it until the case is closed." in case_page
    confirm = client.post(f"/cases/{case.id}/decision/", {"choice": "second_opinion"})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Record this decision?" in text and "Follow the second opinion" in text
    assert "You can change it until the case is closed." in text
    assert not Decision.objects.filter(case=case).exists()
    done = client.post(f"/cases/{case.id}/decision/", {"choice": "second_opinion",
                                                       "confirmed": "1", "submission_key": KEY})
    assert done.status_code == 302
    assert Decision.objects.get(case=case).choice == "second_opinion"


def test_no_choice_is_asked_for_in_the_schemas_words_not_djangos(client, login, journey,
                                                                 users):
    case = _case_in(journey, users, "opinion_delivered")
    login(users["patient"])
    for sent in ({}, {"choice": ""}, {"choice": "   "}, {"choice": "whatever"},
                 {"choice": "", "confirmed": "1"}):
        answer = client.post(f"/cases/{case.id}/decision/", sent)
        text = answer.content.decode()
        assert answer.status_code == 422, sent
        assert "Choose what you decided." in text and "This field is required" not in text, sent
    assert not Decision.objects.filter(case=case).exists()


def test_the_case_page_and_the_decision_page_show_the_change(client, login, journey, users):
    case = _case_in(journey, users, "decided")
    login(users["patient"])
    form = client.get(f"/cases/{case.id}/decision/").content.decode()
    assert "Change your decision" in form
    client.post(f"/cases/{case.id}/decision/", {"choice": "other_plan", "confirmed": "1"})
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Another plan" in page and "changed on" in page
    assert "Earlier choice" in page and "Follow the second opinion" in page
    assert "Change my decision" in page
    aid = client.get(f"/cases/{case.id}/decide/").content.decode()
    assert "changed on" in aid and "Change my decision" in aid


def test_a_double_submission_records_one_decision(client, login, journey, users, api):
    case = _case_in(journey, users, "opinion_delivered")
    login(users["patient"])
    data = {"choice": "first_opinion", "confirmed": "1", "submission_key": KEY}
    answers = [client.post(f"/cases/{case.id}/decision/", data) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    # A change sent twice with one key is one change, even with other words the second time.
    change = {"choice": "no_treatment", "confirmed": "1", "submission_key": "c" * 20}
    client.post(f"/cases/{case.id}/decision/", change)
    client.post(f"/cases/{case.id}/decision/", {**change, "explanation": "typed more"})
    assert Decision.objects.get(case=case).explanation == ""
    assert EarlierDecision.objects.filter(case=case).count() == 1
    assert Event.objects.filter(case=case, kind=EventKind.DECISION_CHANGED).count() == 1
    # The API: the same Idempotency-Key gives the same answer, and no second change.
    headers = {"Authorization": f"Bearer {_token(users['patient'])}", "Idempotency-Key": KEY * 2}
    path = f"/api/v1/cases/{case.id}/decision"
    first, second = (client.post(path, {"choice": "other_plan"}, content_type="application/json",
                                 headers=headers) for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert EarlierDecision.objects.filter(case=case).count() == 2


def test_a_malformed_key_is_refused(client, journey, users):
    case = _case_in(journey, users, "opinion_delivered")
    answer = client.post(f"/api/v1/cases/{case.id}/decision", {"choice": "other_plan"},
                         content_type="application/json",
                         headers={"Authorization": f"Bearer {_token(users['patient'])}",
                                  "Idempotency-Key": "no spaces allowed"})
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["errors"]
    assert not Decision.objects.filter(case=case).exists()


def test_a_change_after_the_plan_leaves_the_plan_and_its_dates(journey, users):
    """The plan is made from the opinions and the patient's next steps, not from the choice;
    the outcome questions ask about the months since deciding. So a later change keeps
    both, and the change is on the case's history for the care team."""
    case = _case_in(journey, users, "following_up")
    tasks = list(FollowUpTask.objects.filter(case=case).values_list("id", "due_date"))
    checks = list(OutcomeCheck.objects.filter(case=case).values_list("id", "due_date"))
    do_record_decision(case, "no_treatment", "", acting_user=users["patient"])
    assert list(FollowUpTask.objects.filter(case=case).values_list("id", "due_date")) == tasks
    assert list(OutcomeCheck.objects.filter(case=case).values_list("id", "due_date")) == checks
    case.refresh_from_db()
    assert case.status == "following_up"


def _token(user):
    from consilium.accounts.models import ApiToken
    return ApiToken.issue(user, "test")[1]
