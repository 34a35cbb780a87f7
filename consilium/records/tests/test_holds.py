"""A record about someone else is held (issue #19): kept and shown, with the reason, to the
patient and the coordinator; out of the summary, health history, checklist, packet, reports,
exports and third-opinion copies, and unseen by everyone else, until confirmed. Real files:
Synthea bundles, the DICOM samples' fake identities, a letter."""

import io
from pathlib import Path

import orjson
import pytest

from consilium.accounts.models import PatientIdentity, Sex
from consilium.audit.models import AuditEntry
from consilium.errors import Conflict, NotAllowed
from consilium.records.actions import Upload, do_add_records
from consilium.records.holds import do_confirm_record, judge_again
from consilium.records.models import IdentityCheck, Record
from consilium.records.summary import clinical_summary

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
BUNDLES = DATA / "synthea-r4-bundles_smart-generated-sample-data"
CLEMENTE = next(BUNDLES.glob("Clemente_Kreiger_*.json"))
CT_BRAIN = DATA / "dicom-samples" / "pydicom-deid" / "ctbrain1.dcm"
LETTER = (b"PATIENT: Michele Wolf\nDATE OF BIRTH: 12/05/1958\n\nDear colleague,\n"
          b"Mrs Wolf has heart failure; she takes furosemide 40 mg daily.\n")


@pytest.fixture(autouse=True)
def read_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def case(journey, maria):
    return journey("accepted")[0]


def add(case, user, name: str, data: bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                   acting_user=user)
    assert outcome.status == "stored", outcome
    return Record.objects.get(id=outcome.record.id)


def test_another_persons_bundle_is_held_and_left_out(case, maria, users, login, client,
                                                     django_capture_on_commit_callbacks):
    record = add(case, maria, CLEMENTE.name, CLEMENTE.read_bytes(),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD
    assert "name" in record.hold_reason and "birth date" in record.hold_reason
    assert "Kreiger" not in record.hold_reason and "Clemente" not in record.hold_reason
    assert record.entries.exists()  # kept, in case it is confirmed
    assert clinical_summary(case) is None
    assert AuditEntry.objects.filter(action="record.hold", object_id=str(record.id)).exists()

    login(maria)
    page = client.get(f"/cases/{case.id}/records/").content.decode()
    assert CLEMENTE.name in page and "On hold" in page and "Use it" in page
    history = client.get(f"/cases/{case.id}/health-history/").content.decode()
    assert "Kreiger" not in history
    case_page = client.get(f"/cases/{case.id}/").content.decode()
    assert "On hold" in case_page

    login(users["specialist"])
    assert CLEMENTE.name not in client.get(f"/cases/{case.id}/records/").content.decode()
    assert client.get(f"/cases/{case.id}/records/{record.id}/").status_code == 404
    assert CLEMENTE.name not in client.get(f"/cases/{case.id}/").content.decode()


def test_the_same_bundle_on_that_persons_own_case_is_used(
        journey, users, django_capture_on_commit_callbacks):
    patient = users["patient2"]
    PatientIdentity.objects.create(user=patient, given_names="Clemente", family_name="Kreiger",
                                   birth_date="1984-07-02", sex=Sex.MALE)
    case, _ = journey("submitted", patient="patient2")
    record = add(case, patient, CLEMENTE.name, CLEMENTE.read_bytes(),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.FITS and not record.hold_reason
    assert clinical_summary(case)["problems"]


def test_a_dicom_image_of_someone_else_is_held_at_upload_and_its_series_hidden(
        case, maria, users, api, django_capture_on_commit_callbacks):
    record = add(case, maria, "ct.dcm", CT_BRAIN.read_bytes(),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD
    listed = api(users["specialist"], "GET", f"/cases/{case.id}/records").json()
    assert listed["records"] == []
    mine = api(maria, "GET", f"/cases/{case.id}/records").json()
    [shown] = mine["records"]
    assert shown["identity"] == "held" and shown["hold_reason"]
    assert "settle_hold" in mine["allowed_actions"]
    assert "settle_hold" not in listed["allowed_actions"]


def test_a_letter_naming_someone_else_is_held(case, maria, django_capture_on_commit_callbacks):
    record = add(case, maria, "letter.txt", LETTER, django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD


def test_a_letter_naming_no_one_is_not_held(case, maria, django_capture_on_commit_callbacks):
    record = add(case, maria, "note.txt", b"Follow-up in three months. Bloods normal.\n",
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.UNSTATED


def test_confirming_brings_it_back_and_only_who_may(case, maria, users, login, client, api,
                                                    django_capture_on_commit_callbacks):
    record = add(case, maria, CLEMENTE.name, CLEMENTE.read_bytes(),
                 django_capture_on_commit_callbacks)
    for who in ("specialist", "caregiver", "physician", "patient2"):
        answer = api(users[who], "POST", f"/cases/{case.id}/records/{record.id}/confirm",
                     json={})
        assert answer.status_code == 404, who  # they do not see it at all
    with pytest.raises(NotAllowed):
        do_confirm_record(record, acting_user=users["specialist"])

    login(maria)
    unticked = client.post(f"/cases/{case.id}/records/{record.id}/confirm/", follow=True)
    assert "Tick the box" in unticked.content.decode()
    assert Record.objects.get(id=record.id).identity == IdentityCheck.HELD
    client.post(f"/cases/{case.id}/records/{record.id}/confirm/", {"checked": "yes"})
    record.refresh_from_db()
    assert record.identity == IdentityCheck.CONFIRMED
    assert clinical_summary(case)["problems"]
    assert AuditEntry.objects.filter(action="record.confirm", actor=maria).exists()
    with pytest.raises(Conflict):
        do_confirm_record(record, acting_user=maria)
    # A confirmed record stays confirmed when the identity is judged again.
    judge_again(maria)
    record.refresh_from_db()
    assert record.identity == IdentityCheck.CONFIRMED


def test_a_coordinator_confirms_through_the_api(case, maria, users, api,
                                                django_capture_on_commit_callbacks):
    record = add(case, maria, "ct.dcm", CT_BRAIN.read_bytes(), django_capture_on_commit_callbacks)
    answer = api(users["coordinator"], "POST", f"/cases/{case.id}/records/{record.id}/confirm",
                 json={})
    assert answer.status_code == 200 and answer.json()["identity"] == "confirmed"
    listed = api(users["specialist"], "GET", f"/cases/{case.id}/records").json()["records"]
    assert [r["id"] for r in listed] == [str(record.id)]


def test_giving_the_identity_later_judges_the_records_again(
        journey, users, django_capture_on_commit_callbacks):
    patient = users["patient2"]
    case, _ = journey("submitted", patient="patient2")
    record = add(case, patient, CLEMENTE.name, CLEMENTE.read_bytes(),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD  # no identity known yet
    assert "do not know" in record.hold_reason
    PatientIdentity.objects.create(user=patient, given_names="Clemente", family_name="Kreiger",
                                   birth_date="1984-07-02")
    assert judge_again(patient) == 0
    record.refresh_from_db()
    assert record.identity == IdentityCheck.FITS


def test_a_held_bundles_documents_are_held_with_it(case, maria,
                                                   django_capture_on_commit_callbacks):
    bundle = orjson.loads(CLEMENTE.read_bytes())
    note = {"resourceType": "DocumentReference", "status": "current",
            "type": {"text": "Discharge summary"},
            "content": [{"attachment": {"contentType": "text/plain", "title": "Discharge",
                                        "data": "SGVhcnQgZmFpbHVyZS4="}}]}
    bundle["entry"].append({"resource": note})
    record = add(case, maria, "bundle.json", orjson.dumps(bundle),
                 django_capture_on_commit_callbacks)
    [document] = Record.objects.filter(source=record)
    assert document.identity == IdentityCheck.HELD


def test_held_records_stay_out_of_the_packet_and_a_third_opinion(
        journey, maria, users, login, client, django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    from consilium.records.actions import carry_over_records

    case, _ = journey("opinion_delivered")
    add(case, maria, "letter-wolf.txt", LETTER, django_capture_on_commit_callbacks)
    login(users["coordinator"])
    packet = client.get(f"/cases/{case.id}/packet/")
    text = " ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(b"".join(packet.streaming_content))).pages)
    assert "letter-wolf" not in text and "Wolf" not in text
    assert "1 record is on hold and not in this packet" in " ".join(text.split())
    later, _ = journey("draft")
    assert carry_over_records(case, later, acting_user=maria) == 0
    assert not later.records.exists()
