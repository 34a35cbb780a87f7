"""Matching reads MatchRow, a derived copy of the directory: it must follow every way the
directory changes, and a full rebuild must give the same rows as the changes one by one."""

from datetime import date

import pytest

from consilium.consultations.matching import RULES, match_case
from consilium.consultations.tests.test_matching import add, case  # noqa: F401  (fixture)
from consilium.directory import geo, matchrows, matchsql
from consilium.directory.builders import build_specialist
from consilium.directory.importing import Touched, import_dac, import_nppes
from consilium.directory.matchrows import rebuild_match_rows
from consilium.directory.models import (
    Institution,
    MatchRow,
    PracticeLocation,
    Specialist,
    SpecialistTaxonomy,
)
from consilium.directory.tests.test_importing import DAC, sample_file

FIELDS = [f.name for f in MatchRow._meta.concrete_fields if not f.primary_key]


def rows_of(specialist) -> list[dict]:
    return list(MatchRow.objects.filter(specialist=specialist).order_by("code")
                .values(*FIELDS))


def row(specialist) -> dict:
    (only,) = rows_of(specialist)
    return only


def everything() -> list[tuple]:
    return sorted(MatchRow.objects.values_list(*FIELDS))


@pytest.fixture
def oncologist(db):
    return build_specialist(
        name="Dr. Ana Silva", taxonomy_code="207RX0202X", specialty="Medical Oncology",
        institution="Denver Oncology Clinic", hospital_system="Front Range Health",
        postal_code="80206", city="Denver", state="CO", languages=["en", "PT"],
        insurance_networks=["aetna-choice"], conditions_of_focus=["C50"], academic=True)


def test_a_new_specialist_has_one_row_per_specialty_with_their_facts(oncologist):
    facts = row(oncologist)
    point = geo.zip_point("80206")
    assert facts | {"specialist": None} == facts | {
        "code": "207RX0202X", "name_key": "silva ana",
        "certified_until": date(date.today().year + 5, 12, 31), "accepting": True,
        "capacity": 5, "telemedicine": True, "turnaround_days": 7, "centre": 0.5,
        "systems": "|front range|denver oncology|", "languages": "|en|pt|",
        "networks": "|aetna-choice|", "focus": ",C50,", "places": 1,
        "latitude": point[0], "longitude": point[1], "specialist": None}
    SpecialistTaxonomy.objects.create(specialist=oncologist, code="207RH0003X")
    assert [r["code"] for r in rows_of(oncologist)] == ["207RH0003X", "207RX0202X"]


def test_rows_follow_every_change_made_one_object_at_a_time(oncologist):
    oncologist.accepting_cases = False
    oncologist.save()
    assert row(oncologist)["accepting"] is False

    certification = oncologist.certifications.get()
    certification.expires = date(2030, 6, 30)
    certification.save()
    assert row(oncologist)["certified_until"] == date(2030, 6, 30)
    certification.delete()
    assert row(oncologist)["certified_until"] is None

    PracticeLocation.objects.create(specialist=oncologist, latitude=40.7, longitude=-74.0)
    assert row(oncologist) | {"places": 2, "latitude": None} == row(oncologist)
    oncologist.locations.filter(latitude=40.7).get().delete()
    assert row(oncologist)["places"] == 1 and row(oncologist)["latitude"] is not None

    clinic = oncologist.institutions.get()
    clinic.hospital_system = "Rocky Mountain Health"
    clinic.centre_type = "cancer_centre"
    clinic.save()
    assert row(oncologist)["systems"] == (
        "|front range|denver oncology|rocky mountain|")
    assert row(oncologist)["centre"] == 1.0

    other = Institution.objects.create(name="St. Mary's", hospital_system="Mercy")
    other.specialists.add(oncologist)  # from the institution's side
    assert "|mercy|" in row(oncologist)["systems"]
    other.specialists.clear()
    assert "|mercy|" not in row(oncologist)["systems"]
    oncologist.institutions.add(other)
    other.delete()
    assert "|mercy|" not in row(oncologist)["systems"]

    oncologist.taxonomies.get().delete()
    assert rows_of(oncologist) == []
    SpecialistTaxonomy.objects.create(specialist=oncologist, code="207RX0202X")
    oncologist.delete()
    assert not MatchRow.objects.exists()


def test_a_rebuild_gives_the_same_rows_in_specialty_order(oncologist):
    add("Dr. Heart", taxonomy_code="207RC0000X", specialty="Cardiovascular Disease")
    add("Dr. Lung", taxonomy_code="207RP1001X", specialty="Pulmonary Disease")
    SpecialistTaxonomy.objects.create(specialist=oncologist, code="207RC0000X")
    before = everything()
    assert rebuild_match_rows() == len(before) == 4
    assert everything() == before
    codes = list(MatchRow.objects.order_by("id").values_list("code", flat=True))
    assert codes == sorted(codes)


def test_the_importers_keep_the_rows_of_their_batches_current(db):
    import_nppes(sample_file())
    imported = Specialist.objects.filter(taxonomies__isnull=False).distinct()
    assert imported.count() > 0
    assert set(MatchRow.objects.values_list("specialist", flat=True)) == set(
        imported.values_list("id", flat=True))
    before = everything()
    with DAC.open() as source:
        import_dac(source)
    assert everything() != before  # new clinicians, hospitals and places
    assert everything() == (rebuild_match_rows() and everything())


def test_a_large_import_rewrites_the_rows_in_specialty_order(db, monkeypatch):
    monkeypatch.setattr(Touched, "LARGE", 2)  # the nine sample rows count as large
    import_nppes(sample_file())
    codes = list(MatchRow.objects.order_by("id").values_list("code", flat=True))
    assert len(codes) > 2 and codes == sorted(codes)
    assert set(MatchRow.objects.values_list("specialist", flat=True)) == set(
        Specialist.objects.filter(taxonomies__isnull=False).values_list("id", flat=True))


def test_someone_with_several_practices_is_near_through_any_of_them(case, specialists):  # noqa: F811
    travelling = add("Dr. Two Places", postal_code="02115", city="Boston", state="MA")
    far = add("Dr. Boston", postal_code="02115", city="Boston", state="MA")
    PracticeLocation.objects.create(specialist=travelling, latitude=39.75, longitude=-104.97)
    PracticeLocation.objects.create(specialist=far, latitude=42.36, longitude=-71.06)
    found = match_case(case, limit=50)
    by_name = {p.specialist.name: p for p in found.proposals}
    assert "Dr. Boston" not in by_name
    assert by_name["Dr. Two Places"].distance_km < 10  # the Denver practice, not Boston
    assert found.excluded["distance"] == 1


def test_the_directory_size_follows_saves_deletes_and_imports(oncologist):
    from consilium.directory.matchrows import directory_size
    from consilium.directory.models import DirectorySize

    assert directory_size() == 1
    other = build_specialist(name="Dr. Bo Lee", taxonomy_code="207RC0000X", specialty="Cardiology",
                             institution="Heart Clinic", hospital_system="Plains Health")
    other.save()  # a save of an existing specialist does not count twice
    assert directory_size() == 2 == DirectorySize.objects.get().specialists
    other.delete()
    assert directory_size() == 1
    report = import_nppes(sample_file())  # bulk writes, counted again at the end
    assert directory_size() == 1 + report.created
    Specialist.objects.filter(id=oncologist.id).delete()
    assert directory_size() == report.created == Specialist.objects.count()
    DirectorySize.objects.all().delete()  # as a test emptying the tables leaves it
    assert directory_size() == report.created


@pytest.mark.parametrize("one_bit", [False, True], ids=["fingerprint", "all-codes-on-one-bit"])
def test_each_specialist_counts_once_whichever_part_of_the_index_reads_them(
        case, specialists, monkeypatch, one_bit):  # noqa: F811
    """Matching reads a case's rows in parts (video visits; no single practice; in the
    patient's box; the rest only counted as too far) and tells who has two fitting
    specialties from a fingerprint of codes, checking the list where bits are shared. With
    every code on one bit, the list decides every time: the answer must be the same."""
    if one_bit:
        monkeypatch.setattr(matchrows, "code_bit", lambda code: 1)
    boston = dict(postal_code="02115", city="Boston", state="MA")

    def also(specialist, code):
        SpecialistTaxonomy.objects.create(specialist=specialist, code=code)
        return specialist

    surgery = dict(taxonomy_code="2086X0206X", specialty="Surgical Oncology")
    also(add("Dr. Boston Two", **boston), "2086X0206X")  # two fitting codes, far
    also(add("Dr. Video Two", telemedicine=True, **boston), "2086X0206X")
    also(add("Dr. Denver Two"), "2086X0206X")
    also(add("Dr. Boston Surgeon", **surgery, **boston), "207RC0000X")  # one fits, far
    also(add("Dr. Denver Surgeon", **surgery), "207RC0000X")
    add("Dr. Far Uncertified", certified=False, **boston)  # too far is checked first
    add("Dr. Kansas City", postal_code="64108", city="Kansas City", state="MO")  # due east
    add("Dr. No Address", postal_code="")  # no practice with coordinates
    found = match_case(case, limit=50)
    names = [p.specialist.name for p in found.proposals]
    assert sorted(names) == ["Dr. Daniel Weiss", "Dr. Denver Surgeon", "Dr. Denver Two",
                             "Dr. Helen Okafor", "Dr. Video Two"]
    assert {rule: n for rule, n in found.excluded.items() if n} == {
        "same_system": 1, "distance": 5}
    assert found.considered == 11 == len(names) + found.excluded_total
    assert list(RULES)[1:] == list(matchsql.RULES)  # the page lists them as checked
