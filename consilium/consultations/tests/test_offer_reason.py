"""An offer outside the case's fitting specialties (issue #19): refused without a reason,
and with one kept on the consultation and flagged to the coordinators on the work queue."""

import pytest

from consilium.consultations.actions import do_offer_consultation, fits_case
from consilium.consultations.models import Consultation
from consilium.directory.builders import build_specialist
from consilium.errors import InvalidInput

NEEDS_REASON = "outside the specialties that fit"


@pytest.fixture
def case(riverside_case):
    return riverside_case


def add(name, code, specialty):
    return build_specialist(
        name=name, taxonomy_code=code, specialty=specialty, institution="Elsewhere Hospital",
        hospital_system="Elsewhere Health", postal_code="80206", city="Denver", state="CO",
        languages=["en"])


@pytest.fixture
def cardiologist(db):
    return add("Dr. Heart Only", "207RC0000X", "Cardiovascular Disease")


@pytest.fixture
def oncologist(db):
    return add("Dr. Fits Well", "207RX0202X", "Medical Oncology")


def test_an_unfitting_offer_without_a_reason_is_refused(case, cardiologist, users):
    assert not fits_case(case, cardiologist)
    for blank in ("", "   ", "\n\t", None):
        with pytest.raises(InvalidInput) as refused:
            do_offer_consultation(case, cardiologist.id, acting_user=users["coordinator"],
                                  reason=blank)
        assert NEEDS_REASON in refused.value.errors["reason"]
    assert not Consultation.objects.filter(case=case).exists()


def test_a_reason_too_long_or_of_the_wrong_type_is_refused(case, cardiologist, users):
    for wrong in ("x" * 2001, 42, ["a reason"]):
        with pytest.raises(InvalidInput) as refused:
            do_offer_consultation(case, cardiologist.id, acting_user=users["coordinator"],
                                  reason=wrong)
        assert "reason" in refused.value.errors
    assert not Consultation.objects.filter(case=case).exists()


def test_a_fitting_offer_needs_no_reason(case, oncologist, users):
    assert fits_case(case, oncologist)
    consultation = do_offer_consultation(case, oncologist.id, acting_user=users["coordinator"])
    assert consultation.offer_reason == ""


def test_an_unfitting_offer_with_a_reason_is_kept_and_flagged(
        case, cardiologist, users, client, login):
    consultation = do_offer_consultation(
        case, cardiologist.id, acting_user=users["coordinator"],
        reason="  Cardio-oncology review before anthracyclines. ")
    assert consultation.offer_reason == "Cardio-oncology review before anthracyclines."
    assert Consultation.objects.get(id=consultation.id).offer_reason == consultation.offer_reason
    login(users["coordinator"])
    page = client.get("/queue/").content.decode()
    assert "Outside the fitting specialties" in page
    assert "Cardio-oncology review before anthracyclines." in page


def test_the_api_takes_an_optional_reason(case, cardiologist, users, api):
    response = api(users["coordinator"], "POST", f"/cases/{case.id}/consultations",
                   {"specialist_id": cardiologist.id})
    assert response.status_code == 422
    assert NEEDS_REASON in response.json()["errors"]["reason"]
    response = api(users["coordinator"], "POST", f"/cases/{case.id}/consultations",
                   {"specialist_id": cardiologist.id, "reason": "Cardio-oncology review."})
    assert response.status_code == 201
    assert response.json()["offer_reason"] == "Cardio-oncology review."


def test_the_page_passes_the_reason(case, cardiologist, users, client, login):
    login(users["coordinator"])
    response = client.post(f"/cases/{case.id}/offer/", {"specialist_id": cardiologist.id},
                           follow=True)
    assert NEEDS_REASON in response.content.decode()
    client.post(f"/cases/{case.id}/offer/", {"specialist_id": cardiologist.id,
                                              "reason": "Cardio-oncology review."})
    assert Consultation.objects.get(case=case).offer_reason == "Cardio-oncology review."
