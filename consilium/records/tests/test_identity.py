"""Comparing who a record is about with who the patient is (records/identity.py), on the real
samples in ../shared/data: every Synthea bundle, the DICOM samples' fake identities, and
letters written as clinicians write them."""

from datetime import date
from pathlib import Path

import orjson
import pydicom
import pytest

from consilium.records.identity import (
    Identity,
    Subject,
    compare,
    from_dicom,
    from_fhir_patients,
    from_text,
)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
# The patients' bundles (the folder also holds the practitioners' and hospitals').
SYNTHEA = sorted(p for p in (DATA / "synthea-r4-bundles_smart-generated-sample-data").glob(
    "*.json") if b'"resourceType": "Patient"' in p.read_bytes().replace(b'":"', b'": "'))
DICOM = DATA / "dicom-samples"
MARIA = Identity("Maria", "Lopez", date(1961, 3, 4), (("Riverside Health System", "R-004417"),))


def patients_of(path: Path) -> list[dict]:
    bundle = orjson.loads(path.read_bytes())
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]


def identity_of(patient: dict) -> Identity:
    name = patient["name"][0]
    return Identity(" ".join(name["given"]), name["family"],
                    date.fromisoformat(patient["birthDate"]))


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda p: p.name[:20])
def test_every_synthea_bundle_is_held_on_another_persons_case(path):
    verdict = compare(MARIA, from_fhir_patients(patients_of(path)))
    assert verdict.held and "birth_date" in verdict.reasons
    assert {"name", "partial"} & set(verdict.reasons)  # José María Casares: one name fits
    assert "Maria" not in verdict.reason and path.name.split("_")[0] not in verdict.reason


@pytest.mark.parametrize("path", SYNTHEA, ids=lambda p: p.name[:20])
def test_a_synthea_bundle_fits_its_own_person(path):
    [patient] = patients_of(path)
    assert not compare(identity_of(patient), from_fhir_patients([patient])).held


def test_the_right_name_with_another_birth_date_is_held():
    [patient] = patients_of(SYNTHEA[0])
    someone = identity_of(patient)
    namesake = Identity(someone.given, someone.family, date(1900, 1, 1))
    assert compare(namesake, from_fhir_patients([patient])).reasons == ("birth_date",)


@pytest.mark.parametrize("written", [
    "Maria Lopez", "LOPEZ, MARIA", "María López", "Maria123 Lopez456", "Lopez^Maria^E",
    "Maria Elena Lopez", "M. Lopez", "Mrs Maria Lopez-Garcia",
])
def test_the_patients_name_as_records_write_it(written):
    assert not compare(MARIA, Subject((written,), (date(1961, 3, 4),))).held


@pytest.mark.parametrize("written, reason", [
    ("Michele Wolf", "name"), ("Maria Wolf", "partial"), ("Ana Lopez", "partial"),
    ("Lopez", "partial"), ("Maria Lopes", "partial"),  # a misspelling: a person decides
])
def test_another_or_a_half_fitting_name_is_held(written, reason):
    assert compare(MARIA, Subject((written,))).reasons == (reason,)


def test_a_record_that_says_nothing_of_its_subject_is_not_held():
    assert not compare(MARIA, Subject()).held
    assert not compare(Identity(), Subject()).held


def test_with_no_identity_known_a_named_record_is_held():
    assert compare(Identity(), Subject(("Maria Lopez",))).reasons == ("unknown_patient",)


def test_record_numbers_settle_only_at_the_same_institution():
    same_place_other_number = Subject(("Maria Lopez",), (), (("Riverside Health", "R-999"),))
    assert compare(MARIA, same_place_other_number).reasons == ("number",)
    mine = Subject(("Maria Lopez",), (), (("riverside health system", "r004417"),))
    assert not compare(MARIA, mine).held
    elsewhere = Subject(("Maria Lopez",), (), (("Mercy Hospital", "12345"),))
    assert not compare(MARIA, elsewhere).held


@pytest.mark.parametrize("name, born", [
    ("ctbrain1.dcm", date(2020, 7, 4)), ("RGB_IMAGE.dcm", date(1985, 3, 6)),
    ("GREYSCALE_IMAGE.dcm", date(1951, 8, 29)),
])
def test_dicom_samples_name_their_fake_patients(name, born):
    dataset = pydicom.dcmread(DICOM / "pydicom-deid" / name, stop_before_pixels=True)
    subject = from_dicom(dataset)
    assert subject.birth_dates == (born,)
    assert compare(MARIA, subject).held
    assert not compare(Identity(*_given_family(dataset), born), subject).held


def _given_family(dataset) -> tuple[str, str]:
    family, given = (str(dataset.PatientName).split("^") + [""])[:2]
    return given, family


def test_a_dicom_file_without_a_name_says_nothing():
    assert not Subject().stated
    assert not from_dicom(pydicom.Dataset()).stated


@pytest.mark.parametrize("letter, born", [
    ("PATIENT: Michele Wolf\nDOB: 04/03/1961\n\nHistory of present illness: ...", None),
    ("Patient Name: Wolf, Michele\nDate of birth: 12 May 1958\n", date(1958, 5, 12)),
    ("Name: Michele Wolf    \nGeb.: 12.05.1958\nDiagnose: ...", date(1958, 5, 12)),
])
def test_a_letter_about_another_person_is_held(letter, born):
    subject = from_text(letter)
    assert subject.names and "Wolf" in subject.names[0]
    if born:
        assert born in subject.birth_dates
    assert compare(MARIA, subject).held


@pytest.mark.parametrize("letter", [
    "PATIENT: Maria Lopez\nDOB: 03/04/1961\nHistory: ...",  # read either way round
    "Patientin: López, María\nGeboren am 04.03.1961\n",
    "Re: Maria Lopez, born March 4, 1961\n\nDear colleague, ...",
    "SUBJECTIVE: This 65-year-old woman comes in for follow-up of her breast cancer.",
])
def test_a_letter_about_the_patient_or_naming_no_one_is_not_held(letter):
    assert not compare(MARIA, from_text(letter)).held


def test_a_subject_survives_its_json():
    subject = Subject(("Maria Lopez",), (date(1961, 3, 4),), (("Riverside", "R-1"),))
    assert Subject.from_json(subject.as_json()) == subject
    assert Subject.from_json(None) == Subject()
