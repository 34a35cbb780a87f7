"""The whole journey through the JSON API, as an external client would use it."""

import pytest
from django.conf import settings
from django.core.management import call_command

from consilium.conftest import FIRST_OPINION, PASSWORD


def test_the_journey_through_the_api(api, users, specialists):
    patient, coordinator, specialist = users["patient"], users["coordinator"], users["specialist"]

    created = api(patient, "POST", "/cases", FIRST_OPINION)
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["status"] == "draft"
    case_id = case["id"]
    assert [q["text"] for q in case["questions"]] == FIRST_OPINION["questions"]

    patched = api(patient, "PATCH", f"/cases/{case_id}", {"goals": "Keep working"})
    assert patched.json()["goals"] == "Keep working"
    assert patched.json()["diagnosis_text"] == FIRST_OPINION["diagnosis_text"]

    assert api(patient, "POST", f"/cases/{case_id}/submit").json()["status"] == "submitted"
    queue = api(coordinator, "GET", "/cases?status=submitted").json()
    assert [c["id"] for c in queue["items"]] == [case_id]

    # The first offer is declined; the coordinator offers to another specialist.
    other = specialists["specialist2"].id
    offer = api(coordinator, "POST", f"/cases/{case_id}/consultations", {"specialist_id": other})
    assert offer.status_code == 201
    declined = api(users["specialist2"], "POST", f"/consultations/{offer.json()['id']}/decline",
                   {"reason": "No capacity this month"})
    assert declined.json()["status"] == "declined"
    offer = api(coordinator, "POST", f"/cases/{case_id}/consultations",
                {"specialist_id": specialists["specialist"].id})
    consultation_id = offer.json()["id"]

    me = api(specialist, "GET", "/me").json()
    assert me == {"id": specialist.id, "username": "specialist", "role": "specialist",
                  "name": "", "specialist_id": specialists["specialist"].id,
                  "time_zone": settings.TIME_ZONE, "time_zone_chosen": False}
    accepted = api(specialist, "POST", f"/consultations/{consultation_id}/accept").json()
    assert accepted["status"] == "accepted" and accepted["due_date"]
    assert api(patient, "GET", f"/cases/{case_id}").json()["status"] == "specialist_assigned"

    path = f"/consultations/{consultation_id}/opinion"
    assert api(specialist, "GET", path).json()["status"] == "not_started"
    draft = api(specialist, "PUT", path, {"version": 0, "diagnosis_agreement": "refine",
                                          "diagnosis_codes": ["C50.412"]})
    assert draft.json()["status"] == "draft" and draft.json()["version"] == 1
    assert api(patient, "GET", f"/cases/{case_id}").json()["status"] == "in_review"
    assert api(patient, "GET", path).status_code == 404  # drafts stay with their author

    incomplete = api(specialist, "POST", f"{path}/sign", {"password": PASSWORD})
    assert incomplete.status_code == 422
    assert set(incomplete.json()["errors"]) == {
        "diagnosis_comment", "treatment_agreement", "reasoning", "answers", "options",
        "confidence", "plain_summary",
    }

    questions = api(specialist, "GET", f"/cases/{case_id}").json()["questions"]
    api(specialist, "PUT", path, {
        "version": 1, "confidence": "moderate", "plain_summary": "A smaller operation will do.",
        "options": [{"title": "Lumpectomy", "recommended": True, "benefits": "Keeps the breast.",
                     "harms": "Radiation afterwards.", "living_with": "Back to work soon."}],
        "diagnosis_comment": "Upper-outer quadrant, not central.",
        "treatment_agreement": "alternative", "treatment_category": "radiation",
        "treatment_description": "Lumpectomy with radiation.",
        "reasoning": "Tumour size allows breast-conserving therapy.",
        "answers": [{"question_id": q["id"], "text": "Yes."} for q in questions],
    })
    wrong = api(specialist, "POST", f"{path}/sign", {"password": "not it"})
    assert wrong.status_code == 422 and "password" in wrong.json()["errors"]
    signed = api(specialist, "POST", f"{path}/sign", {"password": PASSWORD})
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert len(signed.json()["content_sha256"]) == 64
    assert api(specialist, "PUT", path, {"version": 2, "reasoning": "changed"}).status_code == 409

    opinion = api(patient, "GET", path).json()
    assert opinion["treatment_agreement"] == "alternative"
    assert api(patient, "GET", f"/cases/{case_id}").json()["status"] == "opinion_delivered"

    decided = api(patient, "POST", f"/cases/{case_id}/decision",
                  {"choice": "second_opinion", "explanation": "Less surgery."})
    assert decided.status_code == 201
    assert api(patient, "POST", f"/cases/{case_id}/close").json()["status"] == "closed"

    events = api(patient, "GET", f"/cases/{case_id}/events").json()
    kinds = [(e["kind"], e["to_status"]) for e in events]
    assert kinds[0] == ("created", "draft")
    assert ("declined", "") in kinds and ("opinion_signed", "") in kinds
    assert [to for kind, to in kinds if kind == "status"] == [
        "submitted", "specialist_assigned", "in_review", "opinion_delivered", "decided", "closed",
    ]


def test_a_patient_can_withdraw(api, users):
    case_id = api(users["patient"], "POST", "/cases", FIRST_OPINION).json()["id"]
    response = api(users["patient"], "POST", f"/cases/{case_id}/withdraw")
    assert response.json()["status"] == "withdrawn"
    again = api(users["patient"], "POST", f"/cases/{case_id}/withdraw")
    assert again.status_code == 409
    assert again.json()["detail"] == "A case that is withdrawn cannot become withdrawn."


def test_illegal_transitions_answer_409_and_change_nothing(api, users, journey):
    case, _ = journey("draft")
    response = api(users["patient"], "POST", f"/cases/{case.id}/decision",
                   {"choice": "first_opinion"})
    assert response.status_code == 409
    assert "cannot become decided" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == "draft" and not hasattr(case, "decision")


def test_bad_input_answers_422_with_a_message_per_field(api, users):
    response = api(users["patient"], "POST", "/cases", {
        "diagnosis_text": "", "treatment_category": "magic", "diagnosis_codes": ["nonsense"],
    })
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "diagnosis_text", "treatment_category", "diagnosis_codes"
    }
    wrong_types = api(users["patient"], "POST", "/cases", {"questions": "not a list"})
    assert wrong_types.status_code == 422
    assert {"diagnosis_text", "treatment_category", "questions"} <= set(
        wrong_types.json()["errors"]
    )
    assert api(users["patient"], "GET", "/cases").json()["count"] == 0


def test_roles_are_enforced_with_403(api, users, journey, specialists):
    case, _ = journey("submitted")
    offer = api(users["patient"], "POST", f"/cases/{case.id}/consultations",
                {"specialist_id": specialists["specialist"].id})
    assert offer.status_code == 403


def test_offers_outside_the_first_hospital_system_only(api, users, journey, specialists):
    case, _ = journey("submitted")
    response = api(users["coordinator"], "POST", f"/cases/{case.id}/consultations",
                   {"specialist_id": specialists["same_system"].id})
    assert response.status_code == 422
    assert "hospital system" in response.json()["errors"]["specialist_id"]


def test_a_second_concurrent_offer_is_refused(api, users, journey, specialists):
    case, _ = journey("offered")
    response = api(users["coordinator"], "POST", f"/cases/{case.id}/consultations",
                   {"specialist_id": specialists["specialist2"].id})
    assert response.status_code == 409


def test_answering_an_offer_twice_is_a_conflict(api, users, journey):
    _, consultation = journey("accepted")
    response = api(users["specialist"], "POST", f"/consultations/{consultation.id}/decline",
                   {"reason": "Changed my mind"})
    assert response.status_code == 409


def test_without_a_token_the_api_answers_401(api):
    response = api(None, "GET", "/cases")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_revoked_and_wrong_tokens_are_refused(client, users, token_for):
    raw = token_for(users["patient"])
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    users["patient"].api_tokens.update(revoked_at="2026-01-01T00:00:00Z")
    for token in (raw, raw + "x", "nonsense"):
        refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401


def test_create_api_token_prints_a_working_token(client, users, capsys):
    call_command("create_api_token", "coordinator")
    raw = capsys.readouterr().out.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.json()["role"] == "coordinator"


def test_specialists_are_listed_and_filtered(api, users, specialists):
    everyone = api(users["patient"], "GET", "/specialists").json()
    assert everyone["count"] == 3
    weiss = api(users["patient"], "GET", "/specialists?q=weiss").json()
    assert [i["specialist"]["name"] for i in weiss["items"]] == ["Dr. Daniel Weiss"]


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_openapi_and_docs_are_served(client, login, users, path):
    login(users["patient"])
    assert client.get(path).status_code == 200


def test_openapi_names_the_paths_clients_rely_on(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/submit",
                 "/api/v1/cases/{case_id}/withdraw", "/api/v1/cases/{case_id}/consultations",
                 "/api/v1/specialists", "/api/v1/consultations/{consultation_id}/accept",
                 "/api/v1/consultations/{consultation_id}/decline",
                 "/api/v1/consultations/{consultation_id}/opinion",
                 "/api/v1/consultations/{consultation_id}/opinion/sign",
                 "/api/v1/cases/{case_id}/decision", "/api/v1/cases/{case_id}/events",
                 "/api/v1/me"]:
        assert path in paths, path


def test_health_data_never_reaches_the_logs(api, users, specialists, caplog):
    caplog.set_level("DEBUG")
    test_the_journey_through_the_api(api, users, specialists)
    case_id = api(users["patient"], "POST", "/cases", FIRST_OPINION).json()["id"]
    api(users["patient2"], "GET", f"/cases/{case_id}")  # 404
    api(users["patient"], "POST", f"/cases/{case_id}/decision", {"choice": "x"})  # 422
    api(users["patient"], "POST", f"/cases/{case_id}/close")  # 409
    assert caplog.records, "nothing was logged at all"
    for secret in ("Breast", "Mastectomy", "breast-conserving", "Lumpectomy", "C50.912"):
        assert secret not in caplog.text
