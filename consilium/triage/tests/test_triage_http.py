"""The self-assessment through the API and the page, and turning it into a case."""

import pytest

from consilium.cases.models import Case

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/triage", body, content_type="application/json")


def test_the_api_needs_no_account_and_an_empty_body_is_valid(client):
    response = post(client, {})
    assert response.status_code == 200
    assert response.json()["recommendation"] == "optional"
    empty = client.post("/api/v1/triage", "", content_type="application/json")
    assert empty.status_code == 200


def test_bad_values_answer_422_naming_each(client):
    response = post(client, {
        "diagnosis_codes": ["C50.912", "C50.99X", "nonsense"],
        "proposed_treatment": "magic",
        "situation": {"treatment_not_working": True, "feeling_lucky": True, "bored": False},
        "country": "Germany",
        "insurance_plan": 999,
    })
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "C50.99X" in errors["diagnosis_codes"] and "NONSENSE" in errors["diagnosis_codes"]
    assert "C50.912" not in errors["diagnosis_codes"]
    assert "magic" in errors["proposed_treatment"]
    assert "feeling_lucky" in errors["situation"] and "bored" in errors["situation"]
    assert "country" in errors and "999" in errors["insurance_plan"]


def test_wrong_types_answer_422(client):
    response = post(client, {"diagnosis_codes": "C50", "insurance_plan": "abc"})
    assert response.status_code == 422
    assert "insurance_plan" in response.json()["errors"]


def test_situation_may_be_a_list_of_flags(client):
    body = post(client, {"situation": ["rare_condition", "tests_ambiguous"]}).json()
    assert {r["criterion"] for r in body["reasons"]} == {"rare_condition", "tests_ambiguous"}


def test_the_page_answers_without_putting_anything_in_the_address(client):
    page = client.get("/assess/")
    assert page.status_code == 200 and "Should I get a second opinion?" in page.content.decode()
    response = client.post("/assess/", {
        "diagnosis_text": "breast cancer", "diagnosis_codes": "C50.912",
        "proposed_treatment": "surgery", "situation": ["unsure_about_plan"], "country": "US",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "A second opinion is strongly recommended" in body
    assert "Medical Oncology" in body and "pathology report" in body


def test_the_page_shows_bad_codes_beside_the_field(client):
    response = client.post("/assess/", {"diagnosis_codes": "C50.912, Q99.99X", "country": "US"})
    assert response.status_code == 422
    assert "Not an ICD-10-CM code: Q99.99X" in response.content.decode()


def test_start_my_case_signs_in_first_then_fills_the_draft(client, users):
    answers = {"diagnosis_codes": "C50.912", "proposed_treatment": "surgery",
               "procedure": "mastectomy", "country": "US"}
    response = client.post("/assess/start/", answers)
    assert response.status_code == 302 and response.url.startswith("/login/")
    client.post("/login/", {"username": "patient", "password": "correct horse battery"})
    done = client.get("/assess/continue/")
    case = Case.objects.get()
    assert done.url == f"/cases/{case.id}/"
    assert case.patient == users["patient"] and case.status == "draft"
    assert case.diagnosis_text == "Malignant neoplasm of unspecified site of left female breast"
    assert case.diagnosis_codes == ["C50.912"] and case.treatment_category == "surgery"
    assert case.treatment_description == "mastectomy"
    keys = [item["key"] for item in case.checklist]
    assert "pathology_report" in keys
    assert case.questions.count() >= 5
    page = client.get(done.url).content.decode()
    assert "What to gather" in page
    # The answers were used once and are gone from the session.
    assert client.get("/assess/continue/").url == "/assess/"


def test_only_patients_start_cases_from_the_assessment(client, login, users):
    login(users["caregiver"])
    client.post("/assess/start/", {"country": "US"})
    response = client.get("/assess/continue/")
    assert response.url == "/" and not Case.objects.exists()


def test_an_administrator_configures_a_plan_in_the_admin(client, login, users):
    from consilium.triage.models import InsurancePlan

    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    login(users["admin"])
    response = client.post("/admin/triage/insuranceplan/add/", {
        "name": "Test Plan", "country": "US", "covers_second_opinion": "on", "fee": "25.00",
        "currency": "USD", "requires_before": ["knee_replacement", "hip_replacement"],
        "notes": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = InsurancePlan.objects.get(name="Test Plan")
    assert plan.requires_before == ["knee_replacement", "hip_replacement"]
    body = post(client, {"procedure": "hip replacement", "insurance_plan": plan.pk}).json()
    assert body["coverage"]["required_before_procedure"] is True
    assert body["recommendation"] == "strongly_recommended"
