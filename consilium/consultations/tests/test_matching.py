"""Matching, rule by rule: each hard rule has a test that fails without it. Then the ranking,
its explanations, and the API."""

from datetime import date

import pytest

from consilium.consultations.matching import match_case
from consilium.consultations.models import Consultation
from consilium.directory.builders import build_specialist
from consilium.directory.models import BoardCertification, SpecialistTaxonomy
from consilium.triage.models import InsurancePlan


@pytest.fixture
def case(journey):
    case, _ = journey("submitted")
    case.diagnosis_codes = ["C50.912"]
    case.diagnosis_text = "Breast cancer"
    case.institution, case.hospital_system = "Riverside Hospital", "Riverside Health"
    case.patient_location, case.travel_km, case.patient_language = "80218", 150, "en"
    case.save()
    return case


def add(name, **changes):
    fields = dict(name=name, taxonomy_code="207RX0202X", specialty="Medical Oncology",
                  institution="Denver Oncology Clinic", hospital_system="Front Range Health",
                  postal_code="80206", city="Denver", state="CO", languages=["en"],
                  telemedicine=False)
    fields.update(changes)
    return build_specialist(**fields)


def change(thing, **fields):
    """Edit and save one object, as a form does (matching's rows follow saves)."""
    for name, value in fields.items():
        setattr(thing, name, value)
    thing.save()


def proposed(case) -> list[str]:
    return [p.specialist.name for p in match_case(case, limit=50).proposals]


def test_only_specialties_that_fit_the_condition(case, specialists):
    add("Dr. Heart Only", taxonomy_code="207RC0000X", specialty="Cardiovascular Disease")
    surgeon = add("Dr. Breast Surgeon", taxonomy_code="2086X0206X", specialty="Surgical Oncology")
    matches = match_case(case, limit=50)
    names = [p.specialist.name for p in matches.proposals]
    assert "Dr. Heart Only" not in names and surgeon.name in names
    assert matches.excluded["specialty"] == 1
    assert "1 no specialty that fits the condition" in matches.excluded_sentences()


def test_only_a_current_board_certification(case, specialists):
    uncertified = add("Dr. Not Certified", certified=False)
    expired = add("Dr. Expired")
    change(expired.certifications.get(), expires=date(2020, 1, 1))
    revoked = add("Dr. Revoked")
    change(revoked.certifications.get(), status=BoardCertification.Status.REVOKED)
    names = proposed(case)
    assert not {uncertified.name, expired.name, revoked.name} & set(names)
    assert match_case(case).excluded["certification"] == 3


def test_never_the_first_opinions_system_or_facility(case, specialists):
    same_facility = add("Dr. Same Facility", institution="Riverside Hospital",
                        hospital_system="Another Name For It")
    names = proposed(case)
    assert "Dr. Same System" not in names and same_facility.name not in names
    assert "Dr. Helen Okafor" in names
    assert match_case(case).excluded["same_system"] == 2


def test_a_third_opinion_avoids_both_earlier_systems(case, specialists, users):
    Consultation.objects.create(case=case, specialist=specialists["specialist"],
                                status="completed", offered_by=users["coordinator"])
    colleague = add("Dr. Summit Colleague", institution="Summit Health Hospital",
                    hospital_system="Summit Health")
    names = proposed(case)
    assert colleague.name not in names and "Dr. Helen Okafor" not in names
    assert "Dr. Daniel Weiss" in names


def test_not_someone_already_offered_the_case(case, specialists, users):
    Consultation.objects.create(case=case, specialist=specialists["specialist2"],
                                status="declined", offered_by=users["coordinator"])
    assert "Dr. Daniel Weiss" not in proposed(case)


def test_inside_the_plan_network_when_the_plan_requires_it(case, specialists):
    plan = InsurancePlan.objects.create(name="Gold HMO", network="GOLD",
                                        requires_network=True)
    case.insurance_plan = plan
    case.save()
    inside = add("Dr. In Network", insurance_networks=["GOLD"])
    assert proposed(case) == [inside.name]
    plan.requires_network = False
    plan.save()
    assert len(proposed(case)) == 3


def test_accepting_and_under_capacity(case, specialists, users):
    paused = add("Dr. Paused", accepting_cases=False)
    full = add("Dr. Full", capacity=1)
    other = type(case).objects.create(
        patient=case.patient, diagnosis_text="Other", treatment_category="other")
    Consultation.objects.create(case=other, specialist=full, status="accepted",
                                offered_by=users["coordinator"])
    names = proposed(case)
    assert paused.name not in names and full.name not in names
    full.capacity = 2
    full.save()
    (half,) = [p for p in match_case(case, limit=50).proposals if p.specialist == full]
    assert half.components["load"] == 0.5  # one of two places in use
    assert "1 of 2 consultation places in use" in half.reasons


def test_within_the_travel_distance_unless_video_visits(case, specialists):
    far = add("Dr. Boston", postal_code="02115", city="Boston", state="MA")
    far_online = add("Dr. Boston Online", postal_code="02115", telemedicine=True)
    names = proposed(case)
    assert far.name not in names and far_online.name in names
    case.patient_location = ""  # nothing known about where the patient is: no distance rule
    case.save()
    assert far.name in proposed(case)


def test_german_statutory_procedure_only_approved_doctors(case, specialists):
    plan = InsurancePlan.objects.create(name="AOK", country="DE", statutory=True,
                                        currency="EUR")
    case.insurance_plan = plan
    case.save()
    approved = add("Dr. Anna Schmidt", de_specialist_title="Fachärztin für Innere Medizin",
                   de_approved_by="KV Bayern", practising_since=2010)
    too_new = add("Dr. Jonas Neu", de_specialist_title="Facharzt", de_approved_by="KV Berlin",
                  practising_since=date.today().year - 2)
    assert proposed(case) == [approved.name]
    assert too_new.de_qualified is False


def test_the_ranking_is_explained_and_deterministic(case, specialists, settings):
    focused = add("Dr. Focused", conditions_of_focus=["C50"], turnaround_days=4)
    academic = add("Dr. Academic", institution="University Cancer Center", academic=True,
                   centre_type="nci_cancer_centre", hospital_system="University Health")
    first = match_case(case, limit=50)
    assert [p.specialist.name for p in first.proposals] == [
        p.specialist.name for p in match_case(case, limit=50).proposals]
    best = first.proposals[0]
    assert best.specialist == focused
    assert best.components["condition_focus"] == 1.0
    assert "Breast cancer is a condition of focus" in best.reasons
    assert "Usually reports in 4 days" in best.reasons
    assert "Different hospital system from the first opinion" in best.reasons
    # worded for whoever reads it: the coordinator, or a patient choosing
    assert not any("your" in r.lower() for r in best.reasons)
    if best.components["language"]:
        assert "Speaks English" in best.reasons
    scored = {p.specialist.name: p for p in first.proposals}
    assert scored[academic.name].components["centre"] == 1.0
    assert any("NCI-designated cancer centre" in r for r in scored[academic.name].reasons)
    assert best.score == round(sum(first.weights[k] * v for k, v in best.components.items()), 3)
    settings.MATCH_WEIGHTS = {**settings.MATCH_WEIGHTS, "condition_focus": 0, "centre": 10}
    assert match_case(case).proposals[0].specialist == academic


def test_matches_through_the_api(api, case, specialists, users, settings):
    response = api(users["coordinator"], "GET", f"/cases/{case.id}/matches?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert len(body["proposals"]) == 2 and body["considered"] == 3
    first = body["proposals"][0]
    assert {c["name"] for c in first["components"]} >= {"specialty_fit", "distance"}
    assert first["explanation"].startswith("Board-certified in Medical Oncology")
    assert {"rule": "same_system", "reason": "same hospital system or facility as an earlier "
            "opinion", "count": 1} in body["excluded"]
    assert body["fitting_specialties"][0] == "Medical Oncology"
    assert api(users["patient"], "GET", f"/cases/{case.id}/matches").status_code == 403
    settings.PATIENTS_CHOOSE_SPECIALIST = True
    assert api(users["patient"], "GET", f"/cases/{case.id}/matches").status_code == 200
    assert api(users["patient2"], "GET", f"/cases/{case.id}/matches").status_code == 404


def test_a_specialist_with_two_fitting_specialties_counts_once_at_the_better(case, specialists):
    both = add("Dr. Both", taxonomy_code="2086X0206X", specialty="Surgical Oncology")
    SpecialistTaxonomy.objects.create(specialist=both, code="207RX0202X")
    unfit = add("Dr. Both Uncertified", taxonomy_code="2086X0206X", certified=False)
    SpecialistTaxonomy.objects.create(specialist=unfit, code="207RX0202X")
    found = match_case(case, limit=50)
    names = [p.specialist.name for p in found.proposals]
    assert names.count("Dr. Both") == 1 and "Dr. Both Uncertified" not in names
    (proposal,) = [p for p in found.proposals if p.specialist == both]
    assert proposal.components["specialty_fit"] == 1.0  # medical oncology comes first
    assert found.excluded["certification"] == 1
    assert found.excluded_total + len(found.proposals) == found.considered
