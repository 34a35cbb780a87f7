"""Hospital systems and their aliases seeded from the CMS Doctors and Clinicians file
(issue #19): each affiliated hospital joins the known system its name is one with
(systems.similar), its name an alias of it, or becomes a system of its own; a group
practice named as a known system is that system's alias. On the real 386-row sample."""

import csv
import io
from pathlib import Path

import pytest

from consilium.directory.importing import import_dac
from consilium.directory.models import (
    HospitalSystem,
    Institution,
    MatchRow,
    Specialist,
    SystemAlias,
)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
DAC = DATA / "cms-doctors-clinicians-dac-sample" / "DAC_NationalDownloadableFile_sample_386rows.csv"


def sample() -> tuple[list[str], list[list[str]]]:
    with DAC.open(newline="") as source:
        rows = list(csv.reader(source))
    return [name.strip() for name in rows[0]], rows[1:]


def as_file(header: list[str], rows: list[list[str]]) -> io.StringIO:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    out.seek(0)
    return out


def imported():
    with DAC.open(newline="") as source:
        return import_dac(source)


def test_every_affiliated_hospital_has_a_system_once(db):
    imported()
    hospitals = Institution.objects.filter(ccn__isnull=False)
    assert hospitals.count() > 150
    assert not hospitals.filter(system__isnull=True).exists()
    # a hospital no known system is one with is a system of its own, under its name
    naples = Institution.objects.get(ccn="100018")
    assert naples.system.name == "Naples Community Hospital"
    # CMS's capitals in title case, without str.title's "John'S"
    assert Institution.objects.get(ccn="330208").name == "St John's Riverside Hospital"
    # a second import makes nothing again
    counts = HospitalSystem.objects.count(), SystemAlias.objects.count()
    imported()
    assert (HospitalSystem.objects.count(), SystemAlias.objects.count()) == counts


def test_hospitals_join_the_known_system_they_are_one_with(db):
    mayo = HospitalSystem.objects.create(name="Mayo Clinic")
    mclaren = HospitalSystem.objects.create(name="McLaren Health Care")
    imported()
    waycross, rochester = (Institution.objects.get(ccn=c) for c in ("110003", "240010"))
    assert waycross.system == rochester.system == mayo
    assert {"Mayo Clinic Health System In Waycross", "Mayo Clinic Hospital Rochester"} <= set(
        mayo.aliases.values_list("name", flat=True))
    assert Institution.objects.get(ccn="230193").system == mclaren  # McLaren Lapeer Region
    assert Institution.objects.get(ccn="230207").system == mclaren  # McLaren Oakland
    # Ascension Providence Rochester is neither, though it shares a city with Mayo
    ascension = Institution.objects.get(ccn="230254")
    assert ascension.system not in (mayo, mclaren)
    # the matching rows of Mayo's clinicians carry the system's names (identity)
    froke = Specialist.objects.get(npi="1215403480")  # affiliated with Rochester only
    assert "|mayo|" in MatchRow.objects.filter(specialist=froke).first().systems


def test_a_system_the_program_set_stays(db):
    chosen = HospitalSystem.objects.create(name="Gulf Coast Partners")
    Institution.objects.create(ccn="100018", name="Naples Community Hospital", system=chosen)
    imported()
    assert Institution.objects.get(ccn="100018").system == chosen
    assert not HospitalSystem.objects.filter(name="Naples Community Hospital").exists()


def test_a_group_named_as_a_known_system_is_its_alias_and_other_groups_are_not_systems(db):
    mayo = HospitalSystem.objects.create(name="Mayo Clinic")
    header, rows = sample()
    group = header.index("org_nm")
    first, second, third, fourth = (list(rows[n]) for n in range(4))
    first[group] = "MAYO CLINIC HEALTH SYSTEM"
    second[group] = "SMITH FAMILY PRACTICE PA"
    third[group] = "   "
    fourth[group] = "MAYO " + "X" * 400  # overlong: cut like every name
    import_dac(as_file(header, [first, second, third, fourth]))
    assert "Mayo Clinic Health System" in set(mayo.aliases.values_list("name", flat=True))
    assert not HospitalSystem.objects.filter(name__icontains="smith").exists()
    assert not SystemAlias.objects.filter(name__icontains="smith").exists()
    assert all(len(name) <= 200 for name in SystemAlias.objects.values_list("name", flat=True))
    assert not SystemAlias.objects.filter(name="").exists()


@pytest.mark.parametrize("name", ["---", "THE INC", "\u00a0"])
def test_a_hospital_whose_name_names_nothing_makes_no_system(db, name):
    header, rows = sample()
    row = list(rows[0])
    row[header.index("hosp_afl_lbn_1")], row[header.index("hosp_afl_2")] = name, ""
    import_dac(as_file(header, [row]))
    hospital = Institution.objects.filter(ccn=row[header.index("hosp_afl_1")].strip()).first()
    assert hospital is None or hospital.system is None  # a blank name makes no hospital
    assert not HospitalSystem.objects.exists()


def test_generic_names_and_hospitals_of_this_import_gather_no_others(db):
    """Seeding makes lasting links: stricter than matching's comparison of free text."""
    university = HospitalSystem.objects.create(name="University Hospital")
    imported()
    texas = Institution.objects.get(name="University Of Texas Medical Branch Galveston")
    assert texas.system != university
    # "Mercy Hospital Ada" and "Mercy Regional Medical Center" stay apart (two states)
    mercies = Institution.objects.filter(name__startswith="Mercy", ccn__isnull=False)
    assert mercies.count() >= 2
    assert len({m.system_id for m in mercies}) == mercies.count()
    # the same name proper is one system ("St Joseph's Hospital", "… Medical Center")
    joseph = Institution.objects.filter(name__startswith="St Joseph's", ccn__isnull=False)
    assert len({j.system_id for j in joseph}) == 1
