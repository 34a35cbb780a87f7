"""A second opinion from outside the first opinion's hospital system, however it is spelt
(issue #19): matching leaves such specialists out, and the offer is refused in the action,
from the page and the API alike."""

import csv
import io
from pathlib import Path

import pytest

from consilium.consultations.actions import do_offer_consultation, same_hospital_system
from consilium.consultations.matching import match_case
from consilium.consultations.models import Consultation
from consilium.directory.builders import build_specialist
from consilium.directory.importing import import_dac
from consilium.directory.models import HospitalSystem, Institution, Specialist, SystemAlias
from consilium.errors import InvalidInput

REFUSED = "A second opinion must come from outside the first opinion's hospital system."


@pytest.fixture
def case(riverside_case):
    return riverside_case


def add(name, institution, system, **fields):
    return build_specialist(
        name=name, taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution=institution, hospital_system=system, postal_code="80206", city="Denver",
        state="CO", languages=["en"], **fields)


def proposed(case) -> list[str]:
    return [p.specialist.name for p in match_case(case, limit=50).proposals]


@pytest.fixture
def becker(specialists):
    # focused on the condition and quick: without the rule, the top proposal
    return add("Dr. Anna Becker", "Riverside Medical Center", "Riverside Health",
               conditions_of_focus=["C50"], turnaround_days=3)


def test_the_first_opinions_system_by_another_spelling_is_never_proposed(case, becker):
    matches = match_case(case, limit=50)
    names = [p.specialist.name for p in matches.proposals]
    assert becker.name not in names and "Dr. Same System" not in names
    assert "Dr. Helen Okafor" in names
    assert matches.excluded["same_system"] == 2
    assert same_hospital_system(case, becker)


def test_the_offer_is_refused_in_the_action(case, becker, users):
    with pytest.raises(InvalidInput) as refused:
        do_offer_consultation(case, becker.id, acting_user=users["coordinator"])
    assert refused.value.errors == {"specialist_id": REFUSED}
    assert not Consultation.objects.filter(case=case).exists()


def test_the_offer_is_refused_from_the_page(case, becker, users, client, login):
    login(users["coordinator"])
    response = client.post(f"/cases/{case.id}/offer/", {"specialist_id": becker.id},
                           follow=True)
    assert REFUSED in response.content.decode().replace("&#x27;", "'")
    assert not Consultation.objects.filter(case=case).exists()


def test_the_offer_is_refused_by_the_api(case, becker, users, api):
    response = api(users["coordinator"], "POST", f"/cases/{case.id}/consultations",
                   {"specialist_id": becker.id})
    assert response.status_code == 422
    assert response.json()["errors"]["specialist_id"] == REFUSED
    assert not Consultation.objects.filter(case=case).exists()


@pytest.mark.parametrize("first", ["RIVERSIDE HEALTH-SYSTEM", "The Riverside Healthcare, Inc.",
                                   "Riversde Health", "riverside  health"])
def test_sloppy_spellings_of_the_first_system_still_count(case, becker, first):
    case.hospital_system, case.institution = first, ""
    case.save()
    assert becker.name not in proposed(case)
    assert same_hospital_system(case, becker)


def test_a_system_with_a_like_name_is_another_system(case, becker):
    riverview = add("Dr. Riverview", "Riverview Hospital", "Riverview Health")
    assert riverview.name in proposed(case)
    assert not same_hospital_system(case, riverview)


def test_a_system_known_by_its_aliases_is_compared_by_identity(case, specialists, users):
    """The first opinion names the system by an alias; the specialist's hospital, whose name
    says nothing of it, belongs to that system in the directory."""
    system = HospitalSystem.objects.create(name="Riverside Health")
    SystemAlias.objects.create(system=system, name="RHS Cancer Network")
    hidden = add("Dr. Hidden Colleague", "Mercy Plaza Clinic", "")
    clinic = Institution.objects.get(name="Mercy Plaza Clinic")
    clinic.system = system
    clinic.save()
    case.hospital_system, case.institution = "RHS Cancer Network", ""
    case.save()
    assert hidden.name not in proposed(case)
    assert same_hospital_system(case, hidden)
    with pytest.raises(InvalidInput):
        do_offer_consultation(case, hidden.id, acting_user=users["coordinator"])
    # an alias added later counts at once
    case.hospital_system = "Mercy Partners"
    case.save()
    assert hidden.name not in proposed(case)  # the clinic's own name
    case.institution, case.hospital_system = "", "Northside Oncology"
    case.save()
    assert hidden.name in proposed(case)
    SystemAlias.objects.create(system=system, name="Northside Oncology")
    assert hidden.name not in proposed(case)


def test_an_earlier_opinions_system_is_refused_for_a_third(case, specialists, users):
    Consultation.objects.create(case=case, specialist=specialists["specialist"],
                                status="completed", offered_by=users["coordinator"])
    colleague = add("Dr. Summit Colleague", "Summit Hosp.", "Summit Healthcare")
    assert colleague.name not in proposed(case)
    with pytest.raises(InvalidInput):
        do_offer_consultation(case, colleague.id, acting_user=users["coordinator"])


DAC = (Path(__file__).resolve().parents[4] / "shared" / "data"
       / "cms-doctors-clinicians-dac-sample" / "DAC_NationalDownloadableFile_sample_386rows.csv")


def test_the_cms_files_hospitals_and_groups_are_a_clinicians_systems(case, users):
    """The real CMS sample: a clinician affiliated with "MAYO CLINIC HEALTH SYSTEM IN
    WAYCROSS" is of the first opinion's system when that was "Mayo Clinic"; the group
    practice a clinician bills under counts too (the sample's groups are blank: one is
    given, as later files have them)."""
    with DAC.open(newline="") as source:
        lines = source.read().splitlines()
    header = [name.strip() for name in lines[0].split(",")]
    rows = list(csv.reader(lines[1:]))
    mayo = next(r for r in rows if r[header.index("hosp_afl_lbn_1")].startswith("MAYO CLINIC"))
    rows[0][header.index("org_nm")] = "RIVERSIDE CANCER CARE PARTNERS, LLC"
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    out.seek(0)
    import_dac(out)
    affiliated = Specialist.objects.get(npi=mayo[0])
    grouped = Specialist.objects.get(npi=rows[0][0])
    assert same_hospital_system(case, grouped)  # "Riverside Health System"
    assert not same_hospital_system(case, affiliated)
    case.institution, case.hospital_system = "Mayo Clinic", ""
    case.save()
    assert same_hospital_system(case, affiliated)
    assert not same_hospital_system(case, grouped)


def test_the_coordinator_sees_which_names_are_taken_for_the_first_system(
        case, becker, users, client, login):
    add("Dr. Misspelt", "Riversde Hospital", "")
    add("Dr. Regional", "Riverside Regional Hospital", "")
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/matches/").content.decode()
    said = page.split("Taken for the first opinion's system:")[1].split("</p>")[0]
    names = set(said.split(".")[0].strip().split(", "))
    assert {"riverside", "riversde", "riverside regional"} <= names
    assert "Dr. Misspelt" not in page.split("Who was left out")[0]
    assert "summit" not in said
