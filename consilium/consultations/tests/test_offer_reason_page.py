"""The case page asks for and shows the reason of an offer outside the case's fitting
specialties (issue #19): its "Offer to a specialist who is not proposed" form takes the
specialist and the reason, and the offer, once made, is flagged with its reason wherever
staff who may read reasons see it; the patient's side never sees the reason."""

import re

import pytest

from consilium.consultations.models import Consultation
from consilium.directory.builders import build_specialist

NEEDS_REASON = "outside the specialties that fit"
REASON = "Cardio-oncology review before anthracyclines."


@pytest.fixture
def case(riverside_case):
    return riverside_case


@pytest.fixture
def cardiologist(db):
    return build_specialist(
        name="Dr. Heart Only", taxonomy_code="207RC0000X", specialty="Cardiovascular Disease",
        institution="Elsewhere Hospital", hospital_system="Elsewhere Health",
        postal_code="80206", city="Denver", state="CO", languages=["en"])


def form_of(page: str) -> str:
    found = re.search(r'<form[^>]*id="offer-other".*?</form>', page, re.S)
    assert found, "no form for a specialist who is not proposed"
    return found.group(0)


def test_the_case_page_asks_for_the_specialist_and_the_reason(case, cardiologist, users,
                                                               client, login):
    login(users["coordinator"])
    form = form_of(client.get(f"/cases/{case.id}/").content.decode())
    assert f'action="/cases/{case.id}/offer/"' in form
    assert f'<option value="{cardiologist.id}"' in form and "Dr. Heart Only" in form
    assert 'name="reason"' in form and "<label" in form and 'maxlength="2000"' in form
    assert 'name="submission_key"' in form


def test_blank_overlong_and_wrong_offers_from_the_page_change_nothing(
        case, cardiologist, users, client, login, journey):
    login(users["coordinator"])
    url = f"/cases/{case.id}/offer/"
    for data in ({"specialist_id": cardiologist.id, "reason": "   "},
                 {"specialist_id": cardiologist.id},
                 {"specialist_id": cardiologist.id, "reason": "x" * 2001},
                 {"specialist_id": "", "reason": REASON},
                 {"specialist_id": "abc", "reason": REASON},
                 {"specialist_id": "999999", "reason": REASON}):
        page = client.post(url, data, follow=True).content.decode()
        assert 'class="message error"' in page, data
    assert not Consultation.objects.filter(case=case).exists()
    page = client.post(url, {"specialist_id": cardiologist.id}, follow=True).content.decode()
    assert NEEDS_REASON in page
    # another case's page does not offer this one
    other, _ = journey("submitted")
    client.post(f"/cases/{other.id}/offer/", {"specialist_id": cardiologist.id,
                                              "reason": REASON})
    assert not Consultation.objects.filter(case=case).exists()


def test_the_patient_side_is_not_asked_and_cannot_offer_outside(case, cardiologist, users,
                                                                 client, login):
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="offer-other"' not in page
    client.post(f"/cases/{case.id}/offer/", {"specialist_id": cardiologist.id,
                                              "reason": REASON})
    assert not Consultation.objects.filter(case=case).exists()


def test_the_offer_with_its_reason_is_flagged_to_the_coordinator_only(
        case, cardiologist, users, client, login):
    login(users["coordinator"])
    client.post(f"/cases/{case.id}/offer/", {"specialist_id": cardiologist.id,
                                              "reason": f"  {REASON} ", "submission_key":
                                              "r" * 24})
    consultation = Consultation.objects.get(case=case)
    assert consultation.offer_reason == REASON
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Outside the fitting specialties" in page and REASON in page
    for role in ("patient", "specialist"):
        login(users[role])
        answer = client.get(f"/cases/{case.id}/")
        if answer.status_code == 200:
            assert REASON not in answer.content.decode()


def test_the_first_opinions_system_is_not_offered_there(case, cardiologist, users, client,
                                                        login):
    same = build_specialist(
        name="Dr. Same Place", taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution="Riverside Cancer Center", hospital_system="Riverside Health",
        postal_code="80206", city="Denver", state="CO", languages=["en"])
    login(users["coordinator"])
    form = form_of(client.get(f"/cases/{case.id}/").content.decode())
    assert f'<option value="{same.id}"' not in form
    assert f'<option value="{cardiologist.id}"' in form


def test_a_refused_offer_shows_the_form_again_with_the_reason_typed(
        case, cardiologist, users, client, login):
    login(users["coordinator"])
    url = f"/cases/{case.id}/offer/"
    typed = "Cardio-oncology <review> & a second look."
    for specialist_id in ("999999", "abc", ""):
        answer = client.post(url, {"specialist_id": specialist_id, "reason": typed})
        assert answer.status_code == 422
        page = answer.content.decode()
        assert 'class="message error"' in page
        form = form_of(page)
        assert "Cardio-oncology &lt;review&gt; &amp; a second look.</textarea>" in form
        assert '<details class="offer-other" open>' in page
    # too long: kept as typed, to be shortened
    answer = client.post(url, {"specialist_id": cardiologist.id, "reason": "y" * 2001})
    assert answer.status_code == 422 and "y" * 2001 + "</textarea>" in answer.content.decode()
    assert f'<option value="{cardiologist.id}" selected>' in answer.content.decode()
    assert not Consultation.objects.filter(case=case).exists()
    # the page as usual is not open and empty
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert '<details class="offer-other">' in page and "></textarea>" in form_of(page)
