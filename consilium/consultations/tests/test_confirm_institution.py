"""The coordinator confirms the first opinion's institution too (issue #19): the matches page
shows the directory's institutions near the facility the patient wrote, the coordinator picks
one (or says it is not in the directory); one that belongs to a known hospital system
confirms that system in the same step. Matching then leaves out the institution's names and
its system's. Undone like the system, audited with an event."""

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.actions import (
    do_confirm_institution,
    do_confirm_system,
    do_unconfirm_institution,
)
from consilium.cases.models import Case, Event
from consilium.consultations.actions import do_offer_consultation, same_hospital_system
from consilium.consultations.matching import match_case
from consilium.directory.access import near_institutions
from consilium.directory.builders import build_specialist
from consilium.directory.models import HospitalSystem, Institution
from consilium.errors import Conflict, InvalidInput, NotAllowed


@pytest.fixture
def case(riverside_case):
    return riverside_case  # "Riverside Cancer Ctr" of "Riverside Health System"


@pytest.fixture
def places(db):
    aurora = HospitalSystem.objects.create(name="Aurora Partners")
    centre = Institution.objects.create(name="Riverside Cancer Center", city="Denver",
                                        system=aurora)
    alone = Institution.objects.create(name="Riverview Clinic")
    Institution.objects.create(name="Mayo Clinic Hospital")
    return aurora, centre, alone


def member(name="Dr. Hidden Member", institution="Aurora Breast Institute", system=None):
    specialist = build_specialist(
        name=name, taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution=institution, hospital_system="", postal_code="80206", city="Denver",
        state="CO", languages=["en"])
    if system is not None:
        specialist.institutions.add(Institution.objects.create(name=institution + " East",
                                                               system=system))
    return specialist


def test_only_a_coordinator_confirms_or_undoes(case, places, users):
    for role in ("patient", "caregiver", "specialist", "admin", "physician"):
        if role not in users:
            continue
        with pytest.raises(NotAllowed):
            do_confirm_institution(case, places[1].id, acting_user=users[role])
        with pytest.raises(NotAllowed):
            do_unconfirm_institution(case, acting_user=users[role])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution is None and not fresh.first_institution_unlisted


def test_an_unknown_or_malformed_institution_is_refused(case, places, users):
    for wrong in (999999, "999999", "", "  ", "abc", None, "1; drop", "None", [1]):
        with pytest.raises(InvalidInput) as refused:
            do_confirm_institution(case, wrong, acting_user=users["coordinator"])
        assert "institution_id" in refused.value.errors
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution is None and not fresh.first_institution_unlisted
    assert not Event.objects.filter(case=case, kind="facility_confirmed").exists()


def test_the_near_institutions_are_the_riverside_spellings(case, places):
    _, centre, alone = places
    near = near_institutions([case.institution])
    assert near[0] == (centre, 100)
    assert "Mayo Clinic Hospital" not in [p.name for p, _ in near]
    for spelling in ("Riverside Cancer Center", "riverside cancer ctr.", "RIVERSIDE",
                     "The Riverside Cancer Ctr, Inc.", "Riversde Cancer Center"):
        assert near_institutions([spelling])[0][0] == centre, spelling
    assert near_institutions(["", "  ", None]) == []
    assert near_institutions(["x" * 5000])[:1] == []


def test_an_institution_of_a_system_confirms_both_in_one_step(case, places, users):
    aurora, centre, _ = places
    hidden = member(system=aurora)  # of Aurora, under a name nobody takes for Riverside
    assert not same_hospital_system(case, hidden)
    do_confirm_institution(case, str(centre.id), acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution == centre and fresh.first_system == aurora
    assert case.first_system == aurora  # the caller's copy too
    assert same_hospital_system(fresh, hidden)
    assert hidden.name not in [p.specialist.name for p in match_case(fresh, limit=50).proposals]
    with pytest.raises(InvalidInput):
        do_offer_consultation(fresh, hidden.id, acting_user=users["coordinator"])
    kinds = list(Event.objects.filter(case=case).values_list("kind", "note"))
    assert ("facility_confirmed", "Riverside Cancer Center") in kinds
    assert ("system_confirmed", "Aurora Partners") in kinds
    assert AuditEntry.objects.filter(action="case.confirm_institution").count() == 1
    assert AuditEntry.objects.filter(action="case.confirm_system").count() == 1


def test_an_institution_without_a_system_leaves_the_system_to_confirm(case, places, users):
    _, _, alone = places
    do_confirm_institution(case, alone.id, acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution == alone and fresh.first_system is None
    # its own name counts now, though the patient wrote another
    there = member("Dr. Riverview Clinic", institution="Riverview Clinic")
    assert same_hospital_system(fresh, there)
    assert not AuditEntry.objects.filter(action="case.confirm_system").exists()


def test_another_system_confirmed_already_is_not_overwritten(case, places, users):
    aurora, centre, _ = places
    other = HospitalSystem.objects.create(name="Elsewhere Health")
    do_confirm_system(case, other.id, acting_user=users["coordinator"])
    with pytest.raises(InvalidInput) as refused:
        do_confirm_institution(case, centre.id, acting_user=users["coordinator"])
    assert "Elsewhere Health" in refused.value.errors["institution_id"]
    assert Case.objects.get(id=case.id).first_institution is None
    # of the same system, it is fine
    centre.system = other
    centre.save()
    do_confirm_institution(case, centre.id, acting_user=users["coordinator"])
    assert Case.objects.get(id=case.id).first_institution == centre


def test_not_in_the_directory_is_an_answer_and_undone(case, places, users):
    do_confirm_institution(case, " none ", acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution is None and fresh.first_institution_unlisted
    assert Event.objects.get(case=case, kind="facility_confirmed").note == "Not in the directory"
    do_unconfirm_institution(fresh, acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert not fresh.first_institution_unlisted


def test_undoing_keeps_the_system_and_is_refused_when_nothing_or_offered(
        case, places, users, specialists):
    aurora, centre, _ = places
    with pytest.raises(Conflict) as refused:
        do_unconfirm_institution(case, acting_user=users["coordinator"])
    assert "not confirmed" in refused.value.message
    do_confirm_institution(case, centre.id, acting_user=users["coordinator"])
    do_offer_consultation(case, specialists["specialist"].id, acting_user=users["coordinator"])
    case.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        do_unconfirm_institution(case, acting_user=users["coordinator"])
    assert "withdraw" in refused.value.message
    assert Case.objects.get(id=case.id).first_institution == centre


def test_undoing_is_audited_and_the_system_stays(case, places, users):
    aurora, centre, _ = places
    do_confirm_institution(case, centre.id, acting_user=users["coordinator"])
    do_unconfirm_institution(case, acting_user=users["coordinator"])
    fresh = Case.objects.get(id=case.id)
    assert fresh.first_institution is None and fresh.first_system == aurora
    assert Institution.objects.filter(id=centre.id).exists()
    event = Event.objects.get(case=case, kind="facility_unconfirmed")
    assert event.note == "Riverside Cancer Center" and event.actor == users["coordinator"]
    assert AuditEntry.objects.filter(action="case.unconfirm_institution",
                                     object_id=str(case.id)).count() == 1


def test_the_matches_page_offers_the_near_institutions_then_confirms(
        case, places, users, client, login):
    _, centre, _ = places
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert f'action="/cases/{case.id}/first-institution/"' in page
    assert f'value="{centre.id}" checked' in page and "part of Aurora Partners" in page
    assert 'value="none"' in page and "Not in the directory" in page
    assert page.index("first opinion's institution") < page.index("Who was left out")
    done = client.post(f"/cases/{case.id}/first-institution/",
                       {"institution_id": centre.id}, follow=True).content.decode()
    assert "Riverside Cancer Center, of Aurora Partners" in done
    assert "Undo this: the first opinion is not from Riverside Cancer Center" in done
    undo = f"/cases/{case.id}/first-institution/undo/"
    asked = client.get(undo).content.decode()
    assert f'action="{undo}"' in asked and "stays confirmed as Aurora Partners" in asked
    assert Case.objects.get(id=case.id).first_institution == centre  # asking changes nothing
    assert "no longer confirmed" in client.post(undo, follow=True).content.decode()
    assert "not confirmed" in client.post(undo, follow=True).content.decode()


def test_only_the_very_name_is_ticked_beforehand(case, places, users, client, login):
    _, centre, _ = places
    case.institution = "Riverside Spine Center"  # a word more than "Riverside Cancer Center"
    case.save()
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert f'value="{centre.id}">' in page and "the name with a word more or less" in page
    assert f'value="{centre.id}" checked' not in page


def test_the_page_refuses_others_wrong_ids_and_other_cases(case, places, users, client, login,
                                                            journey):
    _, centre, _ = places
    url = f"/cases/{case.id}/first-institution/"
    for role in ("patient", "specialist"):
        login(users[role])
        assert client.post(url, {"institution_id": centre.id}).status_code in (403, 404)
    login(users["coordinator"])
    page = client.post(url, {"institution_id": "abc"}, follow=True).content.decode()
    assert 'class="message error"' in page
    other, _ = journey("submitted")
    client.post(f"/cases/{other.id}/first-institution/", {"institution_id": centre.id})
    assert Case.objects.get(id=case.id).first_institution is None
    assert client.post(f"/cases/{case.id}x/first-institution/").status_code == 404


def test_the_undo_links_wait_for_an_open_offer_to_be_withdrawn(
        case, places, users, specialists, client, login):
    _, centre, _ = places
    do_confirm_institution(case, centre.id, acting_user=users["coordinator"])
    do_offer_consultation(case, specialists["specialist"].id, acting_user=users["coordinator"])
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert "/first-institution/undo/" not in page and "/first-system/undo/" not in page
    assert page.count("withdraw the open offer first") == 2
