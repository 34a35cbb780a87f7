"""What matching needs from the patient: place, travel distance, language, plan."""

from consilium.triage.models import InsurancePlan


def test_the_patient_gives_place_language_and_plan_on_the_form(client, login, users, journey):
    plan = InsurancePlan.objects.create(name="Gold HMO", network="GOLD", requires_network=True)
    case, _ = journey("draft")
    login(users["patient"])
    form = client.get(f"/cases/{case.id}/edit/").content.decode()
    assert "Your ZIP code" in form and "Gold HMO" in form
    data = {"diagnosis_text": case.diagnosis_text, "treatment_category": case.treatment_category,
            "patient_location": "80218", "travel_km": "300", "patient_language": "es",
            "insurance_plan_id": str(plan.id)}
    assert client.post(f"/cases/{case.id}/edit/", data).status_code == 302
    case.refresh_from_db()
    assert (case.patient_location, case.travel_km, case.patient_language,
            case.insurance_plan) == ("80218", 300, "es", plan)


def test_bad_matching_inputs_are_named_and_change_nothing(api, users, journey):
    case, _ = journey("draft")
    response = api(users["patient"], "PATCH", f"/cases/{case.id}", json={
        "patient_location": "Atlantis", "travel_km": 0, "patient_language": "english",
        "insurance_plan_id": 999})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"patient_location", "travel_km",
                                              "patient_language", "insurance_plan_id"}
    case.refresh_from_db()
    assert case.patient_location == "" and case.travel_km == 150
