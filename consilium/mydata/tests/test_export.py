"""Download everything about me (issue #21): the patient's own zip, built from the access
helpers, one audit row per export; no one else can have it."""

import io
import json
import zipfile

import pytest
from fhir.resources.R4B.bundle import Bundle

from consilium.audit.models import AuditEntry
from consilium.conversations.actions import do_send_message
from consilium.journal.actions import do_add_note
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import Record

LETTER = b"Pathology report: invasive ductal carcinoma, grade 2.\n" * 50
OTHER = b"Discharge letter of somebody else entirely.\n"


@pytest.fixture
def full_case(journey, users):
    case, consultation = journey("opinion_delivered")
    do_add_records(case, [Upload("pathology.txt", io.BytesIO(LETTER), len(LETTER)),
                          Upload("other.txt", io.BytesIO(OTHER), len(OTHER))],
                   acting_user=users["patient"])
    Record.objects.filter(case=case, name="other.txt").update(
        identity="held", hold_reason="The name on it is not yours.")
    do_send_message(case, {"body": "When will I hear back?"}, acting_user=users["patient"])
    do_send_message(case, {"body": "Staff only: check the scan.", "audience": "staff"},
                    acting_user=users["coordinator"])
    do_add_note(case, "Felt tired after the appointment.", acting_user=users["patient"])
    journey("draft", patient="patient2")  # another patient's case, never in the zip
    return case


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_patient_downloads_everything(client, login, users, full_case):
    login(users["patient"])
    page = client.get("/account/data/")
    assert page.status_code == 200 and "Download my data" in page.content.decode()
    before = AuditEntry.objects.filter(action="user.data_export").count()
    response = client.post("/account/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    archive = _zip(response)
    names = archive.namelist()
    assert "README.txt" in names and "fhir-bundle.json" in names
    assert AuditEntry.objects.filter(action="user.data_export").count() == before + 1
    folder = next(n.split("/")[0] + "/" + n.split("/")[1] for n in names
                  if n.startswith("cases/"))
    # The records' original files, decrypted, under their own names.
    letter = next(n for n in names if n.endswith("pathology.txt"))
    assert archive.read(letter) == LETTER
    held = next(n for n in names if n.endswith("other.txt"))
    assert archive.read(held) == OTHER
    readme = archive.read("README.txt").decode()
    assert "on hold" in readme.lower() and "other.txt" in readme
    # The signed opinion's two PDFs.
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == 2 and all(archive.read(n).startswith(b"%PDF") for n in pdfs)
    case_text = archive.read(f"{folder}/case.txt").decode()
    assert "Breast cancer, left breast" in case_text
    assert "Is breast-conserving surgery an option?" in case_text
    messages = archive.read(f"{folder}/messages.txt").decode()
    assert "When will I hear back?" in messages and "Staff only" not in messages
    assert "Felt tired" in archive.read(f"{folder}/journal.txt").decode()
    # The FHIR bundle is valid R4 and names the patient, the condition and the documents.
    bundle = json.loads(archive.read("fhir-bundle.json"))
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1 and "Condition" in kinds
    assert kinds.count("DocumentReference") >= 3
    # Nothing of the other patient's.
    assert len({n.split("/")[1] for n in names if n.startswith("cases/")}) == 1


@pytest.mark.parametrize("role", ["caregiver", "coordinator", "specialist", "physician",
                                  "admin"])
def test_no_one_else_downloads_it(client, login, users, full_case, role):
    from consilium.cases.actions import do_share_case

    if role == "caregiver":
        do_share_case(full_case, "caregiver", acting_user=users["patient"])
    login(users[role])
    assert client.get("/account/data/").status_code == 404
    assert client.post("/account/data/").status_code == 404
    assert not AuditEntry.objects.filter(action="user.data_export").exists()


def test_signed_out_is_sent_to_sign_in(client, full_case):
    response = client.post("/account/data/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_another_patients_data_is_never_in_it(client, login, users, full_case):
    """Whatever is posted, the zip is the signed-in patient's own."""
    login(users["patient2"])
    response = client.post("/account/data/", {"user": users["patient"].pk,
                                              "case": str(full_case.id)})
    archive = _zip(response)
    assert not any(n.endswith("pathology.txt") for n in archive.namelist())
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"When will I hear back" not in everything and b"Felt tired" not in everything
    assert not any(n.endswith(".pdf") for n in archive.namelist())  # patient2's is a draft
    assert b"Status: Draft" in everything


def test_the_action_refuses_anyone_but_the_patient(users, full_case):
    from consilium.errors import NotAllowed
    from consilium.mydata.actions import do_export_data

    with pytest.raises(NotAllowed):
        do_export_data(users["patient"], acting_user=users["coordinator"])
    with pytest.raises(NotAllowed):
        do_export_data(users["caregiver"], acting_user=users["caregiver"])


def test_the_coordinators_summary_is_in_it(client, login, users, journey):
    """What the specialist was told of the patient is the patient's to have too."""
    from consilium.cases.intake_actions import do_save_intake_summary

    case, _ = journey("submitted")
    do_save_intake_summary(case, {"key_question": "Is surgery needed at all?",
                                  "missing": "The MRI images."},
                           acting_user=users["coordinator"], base_version=0)
    login(users["patient"])
    archive = _zip(client.post("/account/data/"))
    case_text = archive.read(next(n for n in archive.namelist()
                                  if n.endswith("case.txt"))).decode()
    assert "THE COORDINATOR'S SUMMARY FOR THE SPECIALIST" in case_text
    assert "Key question: Is surgery needed at all?" in case_text
    assert "What is missing: The MRI images." in case_text


def test_the_requests_for_records_are_in_it(client, login, users, journey):
    """The patient sees the requests for records on the case's page: the zip has them too;
    a caregiver, who does not see them, has no export at all."""
    from consilium.records.request_actions import do_mark_request_sent, do_request_records

    case, _ = journey("submitted")
    asked = do_request_records(case, {"provider_name": "Zebrafinch Imaging Clinic",
                                      "provider_address": "7 Hill St\nAustin",
                                      "asked_items": ["pathology_report"],
                                      "asked_text": "CT of the chest"},
                               acting_user=users["coordinator"])
    do_mark_request_sent(asked, {}, acting_user=users["coordinator"])
    login(users["patient"])
    archive = _zip(client.post("/account/data/"))
    text = archive.read(next(n for n in archive.namelist()
                             if n.endswith("records-requests.txt"))).decode()
    assert text.startswith("Zebrafinch Imaging Clinic\n")
    assert "State: Sent\n" in text and "Address: 7 Hill St, Austin\n" in text
    assert "Asked for: The pathology report, from the lab that looked at your tissue; " \
           "CT of the chest\n" in text
    assert "records-requests.txt" in archive.read("README.txt").decode()


def test_no_requests_no_file(client, login, users, journey):
    journey("submitted")
    login(users["patient"])
    archive = _zip(client.post("/account/data/"))
    assert not any(n.endswith("records-requests.txt") for n in archive.namelist())
