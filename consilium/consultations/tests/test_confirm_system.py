"""The coordinator confirms the first opinion's hospital system before matching (issue #19):
the matches page shows the case's free-text names with the known systems near them, the
coordinator chooses one or makes a new one, and matching then leaves out that system by
identity, whatever its institutions are called."""

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_confirm_system
from consilium.cases.models import Case, Event
from consilium.consultations.actions import do_offer_consultation, same_hospital_system
from consilium.consultations.matching import match_case
from consilium.directory.access import near_systems
from consilium.directory.builders import build_specialist
from consilium.directory.models import HospitalSystem, Institution, SystemAlias
from consilium.errors import InvalidInput, NotAllowed


@pytest.fixture
def case(journey):
    case, _ = journey("submitted")
    case.diagnosis_codes, case.diagnosis_text = ["C50.912"], "Breast cancer"
    case.institution, case.hospital_system = "Riverside Cancer Ctr", "Riversde Helth"
    case.patient_location, case.travel_km = "80218", 150
    case.save()
    return case


@pytest.fixture
def known(db):
    riverside = HospitalSystem.objects.create(name="Riverside Health System")
    SystemAlias.objects.create(system=riverside, name="Front Range Partners")
    riverview = HospitalSystem.objects.create(name="Riverview Health")
    HospitalSystem.objects.create(name="Mayo Clinic")
    return riverside, riverview


def add(name, institution, system, **fields):
    return build_specialist(
        name=name, taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution=institution, hospital_system=system, postal_code="80206", city="Denver",
        state="CO", languages=["en"], **fields)


def test_a_patient_or_a_specialist_cannot_confirm(case, known, users):
    for role in ("patient", "specialist", "caregiver"):
        if role not in users:
            continue
        with pytest.raises(NotAllowed):
            do_confirm_system(case, known[0].id, acting_user=users[role])
    assert Case.objects.get(id=case.id).first_system is None


def test_an_unknown_or_malformed_system_is_refused(case, known, users):
    for wrong in (999999, "999999", "", "  ", "abc", None, "1; drop"):
        with pytest.raises(InvalidInput) as refused:
            do_confirm_system(case, wrong, acting_user=users["coordinator"])
        assert "system_id" in refused.value.errors
    assert Case.objects.get(id=case.id).first_system is None


def test_a_new_system_needs_a_name_and_not_a_known_one(case, known, users):
    case.hospital_system = case.institution = ""
    for blank in ("", "   ", "The Inc."):
        with pytest.raises(InvalidInput) as refused:
            do_confirm_system(case, "new", name=blank, acting_user=users["coordinator"])
        assert "name" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        do_confirm_system(case, "new", name="x" * 201, acting_user=users["coordinator"])
    with pytest.raises(InvalidInput) as refused:
        do_confirm_system(case, "new", name="riverside health", acting_user=users["coordinator"])
    assert "Riverside Health System is already known" in refused.value.errors["name"]
    assert HospitalSystem.objects.count() == 3


def test_the_riverside_spellings_come_near_and_riverview_after(case, known):
    riverside, riverview = known
    near = near_systems([case.hospital_system, case.institution])
    assert near[0][0] == riverside and near[0][1] == 100
    assert "Mayo Clinic" not in [s.name for s, _ in near]
    for spelling in ("Riverside Health", "riverside health-system", "The Riverside Healthcare,"
                     " Inc.", "Riverside Cancer Ctr", "RIVERSIDE"):
        assert near_systems([spelling])[0][0] == riverside, spelling
    assert near_systems(["Front Range Partners"])[0][0] == riverside  # by an alias
    assert near_systems(["", "  "]) == []


def test_the_confirmed_system_is_left_out_by_identity(case, known, users):
    riverside, _ = known
    # an institution of the system under a name nobody would take for Riverside
    other_name = Institution.objects.create(name="Aurora Breast Institute", system=riverside)
    hidden = add("Dr. Hidden Member", "Aurora Breast Institute", "")
    hidden.institutions.add(other_name)
    case.hospital_system, case.institution = "Some Health", "Some Hospital"
    case.save()
    assert not same_hospital_system(case, hidden)
    do_confirm_system(case, riverside.id, acting_user=users["coordinator"])
    case.refresh_from_db()
    assert case.first_system == riverside
    assert same_hospital_system(case, hidden)
    assert hidden.name not in [p.specialist.name for p in match_case(case, limit=50).proposals]
    with pytest.raises(InvalidInput):
        do_offer_consultation(case, hidden.id, acting_user=users["coordinator"])


def test_confirming_is_audited_with_an_event(case, known, users):
    do_confirm_system(case, str(known[0].id), acting_user=users["coordinator"])
    assert Event.objects.filter(case=case, kind="system_confirmed").count() == 1
    assert AuditEntry.objects.filter(action="case.confirm_system").count() == 1


def test_none_of_these_makes_a_new_system_with_the_typed_names_as_aliases(case, known, users):
    case.hospital_system, case.institution = "Foothills Hlth", "Foothills Cancer Ctr"
    case.save()
    do_confirm_system(case, "new", name="  Foothills   Health Network ",
                      acting_user=users["coordinator"])
    case.refresh_from_db()
    made = case.first_system
    assert made.name == "Foothills Health Network"
    assert set(made.aliases.values_list("name", flat=True)) == {
        "Foothills Hlth", "Foothills Cancer Ctr"}
    assert AuditEntry.objects.filter(action="directory.system_create").count() == 1


def test_the_matches_page_shows_the_near_systems_before_the_proposals(
        case, known, users, client, login):
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    assert "Riversde Helth" in page and "Riverside Health System" in page
    assert page.index("Riverside Health System") < page.index("Who was left out")
    assert "Mayo Clinic" not in page
    response = client.post(f"/cases/{case.id}/first-system/",
                           {"system_id": known[0].id}, follow=True)
    assert "The first opinion is from Riverside Health System." in response.content.decode()
    assert Case.objects.get(id=case.id).first_system == known[0]


def test_the_page_refuses_others_and_says_what_is_wrong(case, known, users, client, login):
    login(users["patient"])
    response = client.post(f"/cases/{case.id}/first-system/", {"system_id": known[0].id})
    assert response.status_code in (403, 404)
    login(users["coordinator"])
    response = client.post(f"/cases/{case.id}/first-system/", {"system_id": "42424242"},
                           follow=True)
    assert "Choose a hospital system from the list." in response.content.decode()
    assert Case.objects.get(id=case.id).first_system is None


def test_a_merely_alike_system_is_not_ticked_beforehand(case, known, users, client, login):
    case.hospital_system, case.institution = "Riversdale Clinic", ""
    case.save()
    assert near_systems([case.hospital_system]) and near_systems([case.hospital_system])[0][1] < 100
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    radios = [line for line in page.splitlines() if 'name="system_id"' in line]
    assert radios and not any("checked" in line for line in radios)
    # nothing chosen: said plainly, nothing confirmed
    answer = client.post(f"/cases/{case.id}/first-system/", {}, follow=True)
    assert "Choose a hospital system from the list." in answer.content.decode()
    assert Case.objects.get(id=case.id).first_system is None
