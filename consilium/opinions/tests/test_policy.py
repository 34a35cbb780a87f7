"""The opinion policy per role and state, the endpoints that moved to opinions/api.py, and
double submissions of addenda, follow-up questions and report shares."""

import pytest
from django.test import Client

from consilium.api import api as ninja_api
from consilium.conftest import PASSWORD
from consilium.errors import Conflict, NotAllowed
from consilium.opinions.models import Addendum, FollowUpQuestion, Opinion, ReportShare
from consilium.opinions.policy import opinion_of, policy

ROLES = ("patient", "caregiver", "coordinator", "specialist", "specialist2", "physician")


@pytest.fixture
def delivered(journey):
    case, consultation = journey("opinion_delivered")
    return case, consultation, Opinion.objects.get(consultation=consultation)


def _allowed_by_role(users, opinion):
    return {role: policy.allowed(users[role], opinion) for role in ROLES}


def test_while_the_specialist_writes_only_they_may_edit_and_sign(journey, users):
    _, consultation = journey("accepted")
    opinion = opinion_of(consultation)  # not saved yet
    allowed = _allowed_by_role(users, opinion)
    assert allowed["specialist"] == {"edit", "sign"}
    assert all(allowed[role] == set() for role in ROLES if role != "specialist")
    assert isinstance(policy.refusal(users["specialist2"], opinion, "edit"), NotAllowed)
    assert isinstance(policy.refusal(users["specialist"], opinion, "add_addendum"), Conflict)
    assert isinstance(policy.refusal(users["patient"], opinion, "read_report"), Conflict)


def test_once_signed_the_author_adds_and_the_patient_asks_and_shares(delivered, users,
                                                                     settings):
    _, _, opinion = delivered
    everyone = {"read_report"}
    assert _allowed_by_role(users, opinion) == {
        "patient": everyone | {"ask_follow_up", "share_report", "revoke_share"},
        "caregiver": everyone | {"ask_follow_up"},
        "coordinator": everyone,
        "specialist": everyone | {"add_addendum"},  # nothing to answer yet
        "specialist2": everyone,
        "physician": everyone,
    }
    assert isinstance(policy.refusal(users["specialist"], opinion, "edit"), Conflict)
    assert isinstance(policy.refusal(users["coordinator"], opinion, "ask_follow_up"),
                      NotAllowed)
    question = FollowUpQuestion.objects.create(opinion=opinion, asked_by=users["patient"],
                                               text="And radiation?")
    opinion = Opinion.objects.get(pk=opinion.pk)
    assert "answer_follow_up" in policy.allowed(users["specialist"], opinion)
    assert policy.may(users["specialist"], opinion, "answer_follow_up", question=question)
    Addendum.objects.create(opinion=opinion, number=1, body="x", answers=question,
                            signed_by=users["specialist"], signed_at=opinion.signed_at)
    question = FollowUpQuestion.objects.get(pk=question.pk)
    assert isinstance(policy.refusal(users["specialist"], opinion, "answer_follow_up",
                                     question=question), Conflict)
    settings.FOLLOW_UP_QUESTIONS = 1
    refusal = policy.refusal(users["patient"], Opinion.objects.get(pk=opinion.pk),
                             "ask_follow_up")
    assert isinstance(refusal, Conflict) and "asked all 1" in refusal.message


def test_after_the_case_is_closed_no_more_follow_up_questions(delivered, users):
    from consilium.cases.actions import do_close_case
    from consilium.decisions.actions import do_record_decision
    from consilium.followup.actions import do_start_plan
    case, _, opinion = delivered
    do_record_decision(case, "second_opinion", "", acting_user=users["patient"])
    do_start_plan(case, acting_user=users["patient"])
    do_close_case(case, acting_user=users["patient"])
    opinion = Opinion.objects.select_related("consultation__case").get(pk=opinion.pk)
    assert "ask_follow_up" not in policy.allowed(users["patient"], opinion)
    assert "read_report" in policy.allowed(users["patient"], opinion)


def test_the_api_lists_the_allowed_actions(api, delivered, users):
    _, consultation, _ = delivered
    path = f"/consultations/{consultation.id}/opinion"
    assert api(users["specialist"], "GET", path).json()["allowed_actions"] == [
        "add_addendum", "read_report"]
    assert api(users["patient"], "GET", path).json()["allowed_actions"] == [
        "ask_follow_up", "read_report", "revoke_share", "share_report"]


MOVED = {
    ("get", "/api/v1/cases/{case_id}/opinion.fhir.json"): "opinions_api_opinion_fhir",
    ("get", "/api/v1/cases/{case_id}/consultation.fhir.json"):
        "opinions_api_consultation_fhir",
    ("post", "/api/v1/cases/{case_id}/decision"): "decisions_api_record_decision",
    ("get", "/api/v1/consultations/{consultation_id}/opinion"): "opinions_api_get_opinion",
    ("put", "/api/v1/consultations/{consultation_id}/opinion"): "opinions_api_save_opinion",
    ("post", "/api/v1/consultations/{consultation_id}/opinion/sign"):
        "opinions_api_sign_opinion",
    ("post", "/api/v1/consultations/{consultation_id}/opinion/follow-ups"):
        "opinions_api_ask_follow_up",
    ("post", "/api/v1/consultations/{consultation_id}/opinion/addenda"):
        "opinions_api_add_addendum",
}


def test_the_moved_endpoints_keep_their_urls(api, delivered, users):
    paths = ninja_api.get_openapi_schema()["paths"]
    for (method, path), operation in MOVED.items():
        assert paths[path][method]["operationId"].endswith(operation), path
    case, consultation, _ = delivered
    assert api(users["patient"], "GET", f"/cases/{case.id}/opinion.fhir.json").status_code \
        == 200
    assert api(users["coordinator"], "GET",
               f"/cases/{case.id}/consultation.fhir.json").status_code == 200
    assert api(users["patient"], "GET",
               f"/consultations/{consultation.id}/opinion").status_code == 200


def _api_post(user, token_for, path, body, key):
    client = Client()
    return client.post(f"/api/v1{path}", body, content_type="application/json",
                       headers={"Authorization": f"Bearer {token_for(user)}",
                                "Idempotency-Key": key})


def test_a_double_submitted_addendum_is_signed_once(client, login, delivered, users,
                                                    token_for):
    _, consultation, opinion = delivered
    login(users["specialist"])
    data = {"body": "A correction.", "password": PASSWORD, "submission_key": "a" * 24}
    url = f"/consultations/{consultation.id}/opinion/addenda/"
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Addendum.objects.filter(opinion=opinion).count() == 1
    path = f"/consultations/{consultation.id}/opinion/addenda"
    body = {"body": "Another.", "password": PASSWORD}
    one, two = (_api_post(users["specialist"], token_for, path, body, "b" * 24)
                for _ in range(2))
    assert one.status_code == two.status_code == 201
    assert one.json() == two.json() and one.json()["number"] == 2
    assert Addendum.objects.filter(opinion=opinion).count() == 2


def test_an_answer_sent_twice_is_one_addendum_and_the_same_success(client, login, delivered,
                                                                    users):
    _, consultation, opinion = delivered
    question = FollowUpQuestion.objects.create(opinion=opinion, asked_by=users["patient"],
                                               text="And radiation?")
    login(users["specialist"])
    url = f"/consultations/{consultation.id}/opinion/addenda/?answers={question.id}"
    data = {"body": "Yes, three weeks.", "password": PASSWORD, "submission_key": "q" * 24}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Addendum.objects.filter(opinion=opinion).count() == 1
    # Without the key the second is refused (the question has its answer), not signed twice.
    del data["submission_key"]
    refused = client.post(url, data)
    assert "That question already has an answer." in refused.content.decode()
    assert Addendum.objects.filter(opinion=opinion).count() == 1


def test_a_double_submitted_follow_up_question_is_asked_once(client, login, delivered, users,
                                                             token_for, settings):
    settings.FOLLOW_UP_QUESTIONS = 1  # the second would be refused as over the limit
    _, consultation, opinion = delivered
    login(users["patient"])
    url = f"/consultations/{consultation.id}/opinion/follow-ups/"
    data = {"text": "And radiation?", "submission_key": "f" * 24}
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"]
    page = client.get(first["Location"]).content.decode()
    assert "Your question was sent" in page
    assert FollowUpQuestion.objects.filter(opinion=opinion).count() == 1
    settings.FOLLOW_UP_QUESTIONS = 3
    path = f"/consultations/{consultation.id}/opinion/follow-ups"
    one, two = (_api_post(users["patient"], token_for, path, {"text": "More?"}, "g" * 24)
                for _ in range(2))
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert FollowUpQuestion.objects.filter(opinion=opinion).count() == 2


def test_a_double_submitted_report_share_sends_one_link(client, login, delivered, users):
    _, consultation, opinion = delivered
    login(users["patient"])
    url = f"/consultations/{consultation.id}/opinion/shares/"
    data = {"email": "dr@clinic.test", "days": 7, "consent": "on", "submission_key": "s" * 24}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert ReportShare.objects.filter(opinion=opinion).count() == 1


def test_a_key_used_for_something_else_is_refused(client, login, delivered, users):
    _, consultation, opinion = delivered
    login(users["patient"])
    key = "x" * 24
    client.post(f"/consultations/{consultation.id}/opinion/follow-ups/",
                {"text": "And radiation?", "submission_key": key})
    answer = client.post(f"/consultations/{consultation.id}/opinion/shares/",
                         {"email": "dr@clinic.test", "days": 7, "consent": "on",
                          "submission_key": key})
    assert answer.status_code == 302  # the flash message says why
    assert not ReportShare.objects.filter(opinion=opinion).exists()
