"""The records checklist (issue #20.5): an item is ticked only by a record that shows it,
of the right type and about the case's condition; the patient marks what they sent another
way or do not have, the coordinator confirms; the release letter asks for the rest. Real
files: a lung CT report, a thyroid clinic letter, someone else's Synthea bundle (held), a
breast pathology report, a patient's own Synthea bundle."""

import io
from pathlib import Path

import pytest

from consilium.accounts.models import PatientIdentity
from consilium.audit.models import AuditEntry
from consilium.errors import InvalidInput, NotAllowed
from consilium.records.actions import Upload, do_add_records
from consilium.records.checklist import case_checklist
from consilium.records.checklist_actions import do_confirm_checklist_item, do_mark_checklist_item
from consilium.records.models import IdentityCheck, Record

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
BUNDLES = DATA / "synthea-r4-bundles_smart-generated-sample-data"
CLEMENTE = next(BUNDLES.glob("Clemente_Kreiger_*.json"))

LUNG_CT = b"""CT CHEST WITH CONTRAST

CLINICAL HISTORY: Persistent cough for three months. 30 pack-year smoker.
TECHNIQUE: Axial images of the chest were obtained after intravenous contrast.
Coronal and sagittal reformats were reviewed.
FINDINGS: There is a 1.8 cm spiculated nodule in the right upper lobe. A 1.1 cm right
hilar lymph node. No pleural effusion. The airways are patent. Mild centrilobular
emphysema in both upper lobes.
IMPRESSION: Spiculated right upper lobe nodule, suspicious for primary lung malignancy.
Recommend PET-CT and tissue sampling. Lung-RADS 4B.
Electronically signed by: Radiologist, MD
"""
THYROID_LETTER = b"""Endocrinology Clinic, Northside Hospital

Dear Dr Patel,

Thank you for referring Mrs Lopez to the thyroid clinic. She has a 2.1 cm nodule in the
left lobe of the thyroid gland. Fine needle aspiration showed a benign follicular nodule
(Bethesda category II). TSH 1.9 mU/L, free T4 within the reference range.

Plan: repeat ultrasound of the neck in 12 months. No operation is needed. She continues
levothyroxine 50 micrograms daily.

Yours sincerely,
Dr A. Chen, Consultant Endocrinologist
"""
BREAST_PATHOLOGY = b"""SURGICAL PATHOLOGY REPORT

SPECIMEN: Left breast, 2 o'clock, ultrasound-guided core needle biopsy (3 cores).
GROSS DESCRIPTION: Received in formalin are three tan cores of tissue, 1.2 to 1.6 cm.
MICROSCOPIC DESCRIPTION: Infiltrating nests and cords of atypical ductal cells.
FINAL DIAGNOSIS: Left breast, core biopsy: invasive ductal carcinoma, Nottingham grade 2
(tubules 3, nuclei 2, mitoses 1). Lymphovascular invasion not identified.
Immunohistochemistry: ER positive (95%), PR positive (60%), HER2 1+ (negative). Ki-67 20%.
"""


@pytest.fixture(autouse=True)
def read_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def case(journey, maria):
    return journey("submitted")[0]  # breast cancer, C50.912, surgery


def add(case, user, name, data, callbacks):
    with callbacks(execute=True):
        [outcome] = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                   acting_user=user)
    assert outcome.status == "stored", outcome
    return Record.objects.get(id=outcome.record.id)


def ticked(case) -> set[str]:
    return {item["key"] for item in case_checklist(case) if item["done"]}


def test_wrong_files_tick_nothing_of_a_breast_cancer_case(case, maria,
                                                          django_capture_on_commit_callbacks):
    keys = [item["key"] for item in case.checklist]
    assert {"pathology_report", "imaging_images", "imaging_reports", "staging",
            "first_opinion_report", "medication_list"} <= set(keys)
    lung = add(case, maria, "ct-chest.txt", LUNG_CT, django_capture_on_commit_callbacks)
    thyroid = add(case, maria, "letter.txt", THYROID_LETTER,
                  django_capture_on_commit_callbacks)
    other = add(case, maria, CLEMENTE.name, CLEMENTE.read_bytes(),
                django_capture_on_commit_callbacks)
    assert lung.record_type == "imaging_report" and thyroid.record_type == "referral_letter"
    assert other.identity == IdentityCheck.HELD
    assert ticked(case) == set()  # not 10 of 12


def test_a_breast_pathology_report_ticks_pathology_and_staging(
        case, maria, django_capture_on_commit_callbacks):
    add(case, maria, "biopsy.txt", BREAST_PATHOLOGY, django_capture_on_commit_callbacks)
    assert ticked(case) == {"pathology_report", "staging"}


def test_a_pathology_report_of_another_organ_ticks_no_pathology(
        case, maria, django_capture_on_commit_callbacks):
    text = BREAST_PATHOLOGY.replace(b"Left breast", b"Right lung").replace(
        b"ductal", b"squamous")
    add(case, maria, "biopsy.txt", text, django_capture_on_commit_callbacks)
    assert ticked(case) == set()


def test_a_type_chosen_by_a_person_still_needs_the_condition(
        case, maria, django_capture_on_commit_callbacks):
    from consilium.records.actions import do_set_record_type
    lung = add(case, maria, "ct-chest.txt", LUNG_CT, django_capture_on_commit_callbacks)
    do_set_record_type(lung, "pathology_report", acting_user=maria)
    assert ticked(case) == set()
    note = add(case, maria, "note.txt", b"Mammogram of the left breast: 2 cm mass at 2 "
               b"o'clock, BI-RADS 5.", django_capture_on_commit_callbacks)
    do_set_record_type(note, "imaging_report", acting_user=maria)
    assert ticked(case) == {"imaging_reports"}


def test_the_patients_own_bundle_ticks_what_it_has(case, maria,
                                                   django_capture_on_commit_callbacks):
    PatientIdentity.objects.filter(user=maria).update(
        given_names="Clemente", family_name="Kreiger")
    bundle = add(case, maria, CLEMENTE.name, CLEMENTE.read_bytes(),
                 django_capture_on_commit_callbacks)
    if bundle.identity == IdentityCheck.HELD:  # the birth date differs: the patient confirms
        from consilium.records.holds import do_confirm_record
        do_confirm_record(bundle, acting_user=maria)
    done = ticked(case)
    assert "lab_results" in done
    assert "medication_list" not in done  # his record lists no medicines
    assert not done & {"pathology_report", "imaging_images", "imaging_reports", "staging"}


def test_the_patient_marks_an_item_and_unmarks_it(case, maria, users, client, login):
    assert "pathology_report" not in ticked(case)
    for bad in ("", "  ", "x" * 500, "pathology_report; drop", 7):
        with pytest.raises(InvalidInput):
            do_mark_checklist_item(case, bad, "sent", acting_user=maria)
    with pytest.raises(InvalidInput):
        do_mark_checklist_item(case, "heart_tests", "sent", acting_user=maria)  # not on it
    for bad in ("yes", "SENT ", 3, "sent another way"):
        with pytest.raises(InvalidInput):
            do_mark_checklist_item(case, "pathology_report", bad, acting_user=maria)
    with pytest.raises(NotAllowed):
        do_mark_checklist_item(case, "pathology_report", "sent", acting_user=users["patient2"])
    with pytest.raises(NotAllowed):
        do_mark_checklist_item(case, "pathology_report", "sent",
                               acting_user=users["coordinator"])
    do_mark_checklist_item(case, "pathology_report", "sent", acting_user=maria)
    item = next(i for i in case_checklist(case) if i["key"] == "pathology_report")
    assert item["done"] and item["mark"] == "sent" and not item["confirmed"]
    do_mark_checklist_item(case, "medication_list", "none", acting_user=maria)
    item = next(i for i in case_checklist(case) if i["key"] == "medication_list")
    assert not item["done"] and item["mark"] == "none"
    login(maria)
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "You sent this another way" in page and "You do not have this" in page
    do_mark_checklist_item(case, "pathology_report", "", acting_user=maria)
    assert "pathology_report" not in ticked(case)
    actions = list(AuditEntry.objects.filter(action__startswith="checklist.")
                   .values_list("action", flat=True))
    assert actions.count("checklist.mark") == 3


def test_the_coordinator_confirms_a_mark(case, maria, users):
    do_confirm_checklist_item(case, "staging", acting_user=users["coordinator"])  # by fax
    item = next(i for i in case_checklist(case) if i["key"] == "staging")
    assert item["done"] and item["confirmed"] and item["mark"] == "sent"
    with pytest.raises(InvalidInput):
        do_confirm_checklist_item(case, "heart_tests", acting_user=users["coordinator"])
    do_mark_checklist_item(case, "pathology_report", "sent", acting_user=maria)
    with pytest.raises(NotAllowed):
        do_confirm_checklist_item(case, "pathology_report", acting_user=maria)
    do_confirm_checklist_item(case, "pathology_report", acting_user=users["coordinator"])
    item = next(i for i in case_checklist(case) if i["key"] == "pathology_report")
    assert item["done"] and item["confirmed"]
    assert AuditEntry.objects.filter(action="checklist.confirm").count() == 2
    # A new mark by the patient needs confirming again.
    do_mark_checklist_item(case, "pathology_report", "none", acting_user=maria)
    item = next(i for i in case_checklist(case) if i["key"] == "pathology_report")
    assert not item["done"] and not item["confirmed"]


def test_marks_through_the_page(case, maria, users, client, login):
    login(maria)
    url = f"/cases/{case.id}/checklist/"
    assert client.post(url, {"key": "pathology_report", "mark": "sent"}).status_code == 302
    assert "pathology_report" in ticked(case)
    response = client.post(url, {"key": "nonsense", "mark": "sent"}, follow=True)
    assert "not on this case" in response.content.decode()
    login(users["patient2"])
    assert client.post(url, {"key": "pathology_report", "mark": ""}).status_code == 404
    login(users["coordinator"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "Confirm it arrived" in page
    assert client.post(url, {"key": "pathology_report", "confirm": "yes"}).status_code == 302
    item = next(i for i in case_checklist(case) if i["key"] == "pathology_report")
    assert item["confirmed"]


def test_the_release_letter_asks_for_every_item_still_missing(
        case, maria, client, login, tmp_path, django_capture_on_commit_callbacks):
    import subprocess
    add(case, maria, "ct-chest.txt", LUNG_CT, django_capture_on_commit_callbacks)
    add(case, maria, "biopsy.txt", BREAST_PATHOLOGY, django_capture_on_commit_callbacks)
    do_mark_checklist_item(case, "medication_list", "sent", acting_user=maria)
    login(maria)
    response = client.post(f"/cases/{case.id}/release-request/", {
        "provider": "Riverside Medical Center",
        "provider_address": "1 River Road\nAustin TX 78701", "expires": "2027-02-20"})
    path = tmp_path / "letter.pdf"
    path.write_bytes(response.content)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Maria Lopez" in text and "4 March 1961" in text
    assert "1 River Road" in text and "Austin TX 78701" in text
    assert "The reports on those scans by the radiologist" in text  # the lung CT is not it
    assert "The scans themselves" in text
    assert "The pathology report" not in text and "Staging results" not in text
    assert "A list of all the medicines" not in text  # sent another way
