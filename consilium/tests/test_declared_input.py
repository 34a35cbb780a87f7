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
