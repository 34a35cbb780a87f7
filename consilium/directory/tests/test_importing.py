"""The importers on the real public files in ../shared/data.

NPPES: the official 329-column header with the nine real rows of the published sample
(whose first 41 columns are all it has), given taxonomy columns as NPPES writes them.
CMS Doctors and Clinicians: the real 386-row sample, as published.
"""

import csv
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.directory.importing import (
    NotThisFile,
    import_dac,
    import_nppes,
    medicare_to_nucc,
    specialty_key,
    valid_npi,
)
from consilium.directory.models import Institution, PracticeLocation, Specialist

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
NPPES = DATA / "cms-nppes-npi-samples"
HEADER = next(csv.reader((NPPES / "npidata_20050523-20150308FileHeader.csv").open()))
SAMPLE = list(csv.reader((NPPES / "npi_sample_41cols_9rows.csv").open()))[1:]
DAC = DATA / "cms-doctors-clinicians-dac-sample" / "DAC_NationalDownloadableFile_sample_386rows.csv"
# Real NUCC codes to give the sample rows (which lack their taxonomy columns).
CODES = ["207RX0202X", "207RC0000X", "2086X0206X", "207X00000X", "2084N0400X",
         "207RH0003X", "2085R0001X", "207T00000X", "207Q00000X"]


def nppes_row(sample: list[str], taxonomies=(), **changes) -> list[str]:
    row = sample[:41] + [""] * (len(HEADER) - 41)
    for n, (code, primary) in enumerate(taxonomies, start=1):
        row[HEADER.index(f"Healthcare Provider Taxonomy Code_{n}")] = code
        row[HEADER.index(f"Healthcare Provider Primary Taxonomy Switch_{n}")] = primary
        row[HEADER.index(f"Provider License Number_{n}")] = f"L{n}"
        row[HEADER.index(f"Provider License Number State Code_{n}")] = "NE"
    for column, value in changes.items():
        row[HEADER.index(column)] = value
    return row


def nppes_file(rows: list[list[str]]) -> io.StringIO:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)  # as NPPES writes it
    writer.writerow(HEADER)
    writer.writerows(rows)
    out.seek(0)
    return out


def sample_file() -> io.StringIO:
    return nppes_file([nppes_row(row, [(CODES[i], "Y"), ("208D00000X", "N")])
                       for i, row in enumerate(SAMPLE)])


def test_the_samples_are_the_published_ones():
    assert len(HEADER) == 329 and HEADER[0] == "NPI" and len(SAMPLE) == 9
    assert all(valid_npi(row[0]) for row in SAMPLE)
    assert not valid_npi("1234567890") and not valid_npi("12345")


def test_nppes_import_creates_individuals_with_specialties_and_places(db):
    report = import_nppes(sample_file())
    individuals = [r for r in SAMPLE if r[1] == "1"]
    assert report.read == 9 and report.created == len(individuals) and report.refused == 0
    assert report.skipped == 9 - len(individuals)
    wiebe = Specialist.objects.get(npi="1679576722")
    assert (wiebe.name, wiebe.credentials, wiebe.city, wiebe.state) == (
        "Dr. David Wiebe", "M.D.", "Kearney", "NE")
    assert wiebe.taxonomy_code == "207RX0202X" and wiebe.specialty == "Medical Oncology"
    assert {(t.code, t.primary, t.license_number, t.license_state)
            for t in wiebe.taxonomies.all()} == {
        ("207RX0202X", True, "L1", "NE"), ("208D00000X", False, "L2", "NE")}
    place = wiebe.locations.get()
    assert place.postal_code == "688472944" and place.source == "nppes"
    assert 40.6 < place.latitude < 40.8 and -99.2 < place.longitude < -98.9  # Kearney, NE


def test_nppes_import_twice_updates_and_never_duplicates(db):
    import_nppes(sample_file())
    count = Specialist.objects.count()
    wiebe = Specialist.objects.get(npi="1679576722")
    wiebe.accepting_cases, wiebe.capacity = False, 2  # the program's own settings
    wiebe.save()
    PracticeLocation.objects.create(specialist=wiebe, city="Omaha", state="NE")
    renamed = [nppes_row(SAMPLE[0], [("207RH0003X", "Y")],
                         **{"Provider Last Name (Legal Name)": "WIEBE-SMITH"})]
    report = import_nppes(nppes_file(renamed))
    assert (report.created, report.updated) == (0, 1)
    assert Specialist.objects.count() == count
    wiebe.refresh_from_db()
    assert wiebe.last_name == "Wiebe-Smith" and wiebe.taxonomy_code == "207RH0003X"
    assert not wiebe.accepting_cases and wiebe.capacity == 2
    assert [t.code for t in wiebe.taxonomies.all()] == ["207RH0003X"]
    assert sorted(p.source for p in wiebe.locations.all()) == ["nppes", "program"]


def test_a_re_import_costs_as_many_queries_for_one_row_as_for_all(db):
    """Batches are written in a fixed number of statements: no query per row, and no
    rebuild of the matching rows per deleted specialty or place (signals are bypassed, the
    rows are rebuilt once per batch)."""
    import_nppes(sample_file())
    first = [nppes_row(SAMPLE[0], [(CODES[0], "Y"), ("208D00000X", "N")])]
    with CaptureQueriesContext(connection) as one:
        import_nppes(nppes_file(first))
    with CaptureQueriesContext(connection) as every:
        report = import_nppes(sample_file())
    assert report.updated > 1 and len(every) == len(one)


def test_a_malformed_row_is_refused_with_its_line_and_the_rest_imports(db):
    people = [row for row in SAMPLE if row[1] == "1"]
    rows = [nppes_row(people[0], [("207RX0202X", "Y")]),
            nppes_row(people[1], [("207RX0202X", "Y")], NPI="1588667630"),  # bad check digit
            nppes_row(people[2], [("ZZZ", "Y")]),
            nppes_row(people[3], []),
            people[4][:10],
            nppes_row(people[5], [("207RX0202X", "Y")],
                      **{"NPI Deactivation Date": "01/01/2020"}),
            nppes_row(people[6], [("207RX0202X", "Y")],
                      **{"Provider Last Name (Legal Name)": ""})]
    report = import_nppes(nppes_file(rows))
    assert report.created == 1 and report.refused == 5 and report.skipped == 1
    reasons = dict(report.refusals)
    assert "1588667630" in reasons[3] and "not a valid NPI" in reasons[3]
    assert "ZZZ" in reasons[4] and "no known taxonomy code" in reasons[5]
    assert "10 columns" in reasons[6] and "no last name" in reasons[8]
    assert "line 3:" in report.summary()


def test_a_file_that_is_not_nppes_is_refused_as_a_whole(db):
    sample = (NPPES / "npi_sample_41cols_9rows.csv").open()
    with pytest.raises(NotThisFile, match="Healthcare Provider Taxonomy Code_1"):
        import_nppes(sample)
    assert not Specialist.objects.exists()


def test_the_crosswalk_gives_medicare_specialties_their_nucc_code():
    crosswalk = medicare_to_nucc()
    for name, code in (("MEDICAL ONCOLOGY", "207RX0202X"), ("ORTHOPEDIC SURGERY", "207X00000X"),
                       ("OBSTETRICS/GYNECOLOGY", "207V00000X"), ("FAMILY MEDICINE", "207Q00000X"),
                       ("ALLERGY/IMMUNOLOGY", "207K00000X")):
        assert crosswalk[specialty_key(name)] == code, name


def test_dac_import_adds_schools_groups_and_hospitals_by_npi(db):
    with DAC.open(newline="") as source:
        rows = list(csv.DictReader(source, skipinitialspace=True))
    first = rows[0]
    # The directory already has the first clinician from NPPES, under another specialty.
    Specialist.objects.create(npi=first["NPI"], name="Dr. Socrates Perez-Rodriguez",
                              taxonomy_code="207R00000X", specialty="Internal Medicine",
                              accepting_cases=False)
    with DAC.open(newline="") as source:
        report = import_dac(source)
    refused_lines = {line for line, _ in report.refusals}
    kept = {r["NPI"] for line, r in enumerate(rows, start=2) if line not in refused_lines}
    assert report.read == len(rows) == 386 and report.refused == len(refused_lines)
    # Only professions the crosswalk does not list (social workers, therapists...).
    assert all("has no NUCC code" in reason for _, reason in report.refusals)
    assert report.created + report.updated == len(kept) and report.updated == 1
    known = Specialist.objects.get(npi=first["NPI"])
    assert known.graduation_year == 1981 and known.medical_school == ""  # "OTHER"
    assert not known.accepting_cases  # the program's own setting stays
    assert set(known.institutions.values_list("ccn", flat=True)) == {"100018", "100286"}
    assert Institution.objects.get(ccn="100018").name == "Naples Community Hospital"
    second = Specialist.objects.get(npi=rows[1]["NPI"])
    assert second.medical_school == "George Washington University School Of Medicine"
    assert second.taxonomy_code == "207X00000X" and second.locations.get().latitude
    again = import_dac(DAC.open(newline=""))
    assert again.created == 0 and Specialist.objects.count() == len(kept)


def test_dac_refuses_specialties_without_a_nucc_code(db):
    header = DAC.open().readline()
    row = next(csv.reader([DAC.open().readlines()[1]]))
    row[11] = "ASTROLOGY"
    report = import_dac(io.StringIO(header + ",".join(row) + "\n"))
    assert report.refused == 1 and "ASTROLOGY" in report.refusals[0][1]


def test_imported_clinicians_are_not_taking_cases_until_the_program_enrols_them(db):
    """NPPES and CMS say who practises, not who gives second opinions here: a clinician the
    import creates is neither accepting cases nor offering video visits, and so is never
    proposed or offered a case, until the program enrols them (the profile form)."""
    import_nppes(sample_file())
    with DAC.open(newline="") as source:
        import_dac(source)
    imported = Specialist.objects.all()
    assert imported.count() > 300
    assert not imported.filter(accepting_cases=True).exists()
    assert not imported.filter(telemedicine=True).exists()
    # a telehealth column in a later CMS layout is what CMS lists, not the program's visits
    with DAC.open(newline="") as source:
        lines = source.read().splitlines()
    header, first = lines[0] + ", Telehlth", lines[1] + ",Y"
    first = first.replace(first.split(",")[0], "1003000126", 1)
    import_dac(io.StringIO(f"{header}\n{first}\n"))
    assert Specialist.objects.get(npi="1003000126").telemedicine is False
    # enrolled: the program's own settings stay through a re-import
    enrolled = Specialist.objects.get(npi=SAMPLE[0][0])
    enrolled.accepting_cases, enrolled.telemedicine = True, True
    enrolled.save()
    import_nppes(sample_file())
    with DAC.open(newline="") as source:
        import_dac(source)
    enrolled.refresh_from_db()
    assert enrolled.accepting_cases and enrolled.telemedicine


def test_clinicians_imported_before_are_untied_unless_the_program_touched_them(
        db, users, specialists):
    """The data migration: rows an earlier import ticked as accepting (the model's default
    then) are untied; the program's own specialists and the enrolled stay as they are."""
    from importlib import import_module

    from django.apps import apps

    from consilium.directory.models import MatchRow

    imported = import_nppes(sample_file()).created
    Specialist.objects.filter(npi__isnull=False).update(accepting_cases=True, telemedicine=True)
    MatchRow.objects.update(accepting=True, telemedicine=True)
    enrolled = Specialist.objects.get(npi=SAMPLE[1][0])
    PracticeLocation.objects.create(specialist=enrolled, source="program", city="Omaha")
    import_module("consilium.directory.migrations.0013_imported_not_enrolled").not_enrolled(
        apps, None)
    untied = Specialist.objects.filter(npi__isnull=False).exclude(id=enrolled.id)
    assert untied.count() == imported - 1 > 4
    assert not untied.filter(accepting_cases=True).exists()
    assert not MatchRow.objects.filter(specialist__in=untied, accepting=True).exists()
    assert not MatchRow.objects.filter(specialist__in=untied, telemedicine=True).exists()
    enrolled.refresh_from_db()
    assert enrolled.accepting_cases and enrolled.telemedicine
    for kept in specialists.values():  # the program's own, with no NPI
        kept.refresh_from_db()
        assert kept.accepting_cases
        assert MatchRow.objects.filter(specialist=kept, accepting=True).exists()
