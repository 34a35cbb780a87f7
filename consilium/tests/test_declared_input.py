"""Input is checked by one declared schema per action (consilium/schemas.py): a bad value sent
through the page and through the API is refused with the same 422, naming the same field with
the same words, and changes nothing."""

import pytest
from django.utils.html import escape

pytestmark = pytest.mark.django_db


def on_page(message: str, response) -> bool:
    return escape(message) in response.content.decode()


@pytest.mark.parametrize("field, value, message", [
    ("proposed_treatment", "magic", "Unknown treatment 'magic'; use one of: surgery"),
    ("situation", "feeling_lucky", "Unknown situation: feeling_lucky"),
    ("country", "Germany", "Give the country as a two-letter ISO code, not 'GERMANY'."),
    ("insurance_plan", "999", "Unknown insurance plan 999."),
    ("diagnosis_text", "x" * 301, "Keep this under 300 characters."),
    ("diagnosis_codes", "C50.912, banana", "Not an ICD-10-CM code: BANANA"),
])
def test_the_self_assessment_refuses_alike_on_the_page_and_the_api(client, field, value,
                                                                   message):
    page = client.post("/assess/", {field: value})
    assert page.status_code == 422 and on_page(message, page)
    body = {field: [value] if field == "situation" else value}
    answer = client.post("/api/v1/triage", body, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["errors"][field].startswith(message)


@pytest.mark.parametrize("body, field", [
    ({"diagnosis_text": 12}, "diagnosis_text"),
    ({"diagnosis_text": "x" * 1_000_000}, "diagnosis_text"),
    ({"diagnosis_codes": [{"nested": ["junk"]}]}, "diagnosis_codes.0"),
    ({"diagnosis_codes": ["C50.912"] * 51}, "diagnosis_codes"),
    ({"situation": {"rare_condition": {"deep": True}}}, "situation"),
    ({"insurance_plan": True}, "insurance_plan"),
    ({"insurance_plan": 2**63}, "body"),
])
def test_hostile_assessment_answers_are_refused(client, body, field):
    answer = client.post("/api/v1/triage", body, content_type="application/json")
    assert answer.status_code == 422 and field in answer.json()["errors"]
    assert len(answer.json()["errors"][field]) < 200


def test_unknown_assessment_fields_are_ignored(client):
    answer = client.post("/api/v1/triage", {"colour": "blue"}, content_type="application/json")
    assert answer.status_code == 200


GOOD_CASE = {"diagnosis_text": "Breast cancer", "treatment_category": "surgery"}


@pytest.mark.parametrize("field, value, message", [
    ("diagnosis_text", "   ", "Say what the first doctor diagnosed, in your own words."),
    ("treatment_category", "magic", "Choose the kind of treatment that was proposed."),
    ("diagnosis_codes", "C50.912, banana", "Not an ICD-10-CM code: BANANA"),
    ("first_opinion_date", "2024-13-45", "Give the date as YYYY-MM-DD."),
    ("first_opinion_date", "2999-01-01", "The first opinion cannot be in the future."),
    ("institution", "x" * 201, "Keep this under 200 characters."),
    ("travel_km", "0", "Give a distance between 1 and 5000 km."),
    ("travel_km", "far", "Give a distance between 1 and 5000 km."),
    ("patient_language", "english", "Give a two-letter language code, such as en or es."),
    ("patient_location", "Atlantis", "Give a US ZIP code, or latitude,longitude."),
    ("insurance_plan_id", "999", "Choose one of the listed plans."),
])
def test_a_new_case_refuses_alike_on_the_page_and_the_api(client, login, api, users, field,
                                                          value, message):
    from consilium.cases.models import Case

    login(users["patient"])
    page = client.post("/cases/new/", {**GOOD_CASE, field: value})
    assert page.status_code == 422 and on_page(message, page)
    sent = value.split(", ") if field == "diagnosis_codes" else value
    answer = api(users["patient"], "POST", "/cases", {**GOOD_CASE, field: sent})
    assert answer.status_code == 422 and answer.json()["errors"] == {field: message}
    assert not Case.objects.exists()


def test_a_change_to_the_first_opinion_refuses_alike_and_changes_nothing(client, login, api,
                                                                        users, journey):
    case, _ = journey("draft")
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/edit/", {**GOOD_CASE, "treatment_category": "magic",
                                                   "questions": "\n".join(["Why?"] * 21)})
    assert page.status_code == 422
    answer = api(users["patient"], "PATCH", f"/cases/{case.id}",
                 {"treatment_category": "magic", "questions": ["Why?"] * 21})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "treatment_category": "Choose the kind of treatment that was proposed.",
        "questions": "Ask at most 20 questions."}
    for message in answer.json()["errors"].values():
        assert on_page(message, page)
    before = (case.treatment_category, list(case.questions.values_list("text", flat=True)))
    case.refresh_from_db()
    assert (case.treatment_category,
            list(case.questions.values_list("text", flat=True))) == before


@pytest.mark.parametrize("body, field", [
    ({**GOOD_CASE, "diagnosis_text": ["nested", {"junk": 1}]}, "diagnosis_text"),
    ({**GOOD_CASE, "symptoms": "x" * 1_000_000}, "symptoms"),
    ({**GOOD_CASE, "questions": [{"text": "?"}]}, "questions.0"),
    ({**GOOD_CASE, "travel_km": True}, None),  # a boolean is read as 1, as pydantic reads it
    ({**GOOD_CASE, "insurance_plan_id": "²"}, "insurance_plan_id"),
    ({**GOOD_CASE, "first_opinion_date": {"year": 2020}}, "first_opinion_date"),
])
def test_hostile_case_input_is_refused(api, users, body, field):
    from consilium.cases.models import Case

    answer = api(users["patient"], "POST", "/cases", body)
    if field is None:
        assert answer.status_code == 201
        return
    assert answer.status_code == 422 and field in answer.json()["errors"]
    assert not Case.objects.exists()


def test_unknown_case_fields_are_ignored(api, users):
    answer = api(users["patient"], "POST", "/cases", {**GOOD_CASE, "status": "closed"})
    assert answer.status_code == 201 and answer.json()["status"] == "draft"


@pytest.mark.parametrize("body, field, message", [
    ({"choice": "magic"}, "choice", "Choose what you decided."),
    ({"choice": "second_opinion", "explanation": "x" * 5001}, "explanation",
     "Keep this under 5,000 characters."),
])
def test_a_decision_refuses_alike_on_the_page_and_the_api(client, login, api, users, journey,
                                                          body, field, message):
    from consilium.decisions.models import Decision

    case, _ = journey("opinion_delivered")
    login(users["patient"])
    page = client.post(f"/cases/{case.id}/decision/", {**body, "confirmed": "1"})
    assert page.status_code == 422 and on_page(message, page)
    answer = api(users["patient"], "POST", f"/cases/{case.id}/decision", body)
    assert answer.status_code == 422 and answer.json()["errors"] == {field: message}
    assert not Decision.objects.exists()


@pytest.mark.parametrize("text, message", [
    ("   ", "Write your question."),
    ("x" * 4001, "Keep this under 4,000 characters."),
])
def test_a_follow_up_question_refuses_alike_on_the_page_and_the_api(client, login, api, users,
                                                                    journey, text, message):
    from consilium.opinions.models import FollowUpQuestion

    _, consultation = journey("opinion_delivered")
    login(users["patient"])
    page = client.post(f"/consultations/{consultation.id}/opinion/follow-ups/", {"text": text},
                       follow=True)
    assert on_page(message, page)
    answer = api(users["patient"], "POST", f"/consultations/{consultation.id}/opinion/follow-ups",
                 {"text": text})
    assert answer.status_code == 422 and answer.json()["errors"] == {"text": message}
    assert not FollowUpQuestion.objects.exists()


@pytest.mark.parametrize("body, message", [
    ("   ", "Write the addendum."),
    ("x" * 20001, "Keep this under 20,000 characters."),
])
def test_an_addendum_refuses_alike_on_the_page_and_the_api(client, login, api, users, journey,
                                                           body, message):
    from consilium.opinions.models import Addendum

    _, consultation = journey("opinion_delivered")
    login(users["specialist"])
    page = client.post(f"/consultations/{consultation.id}/opinion/addenda/",
                       {"body": body, "password": "wrong"})
    assert page.status_code == 422 and on_page(message, page)
    answer = api(users["specialist"], "POST",
                 f"/consultations/{consultation.id}/opinion/addenda",
                 {"body": body, "password": "wrong"})
    assert answer.status_code == 422 and answer.json()["errors"] == {"body": message}
    assert not Addendum.objects.exists()
