"""All the held records of one file at once (records.holds.do_confirm_upload, records.actions.
do_remove_upload): a Synthea bundle of another person with the clinical notes found in it is
held as 16 records; the patient removes them, or says they are theirs, in one step."""

import json
import uuid

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.models import Case
from consilium.errors import Conflict, NotAllowed
from consilium.records.actions import do_remove_record, do_remove_upload
from consilium.records.holds import do_confirm_record, do_confirm_upload, held_of_upload
from consilium.records.models import Record, RemovedRecord
from consilium.records.tasks import read_record

from .test_removal import DOCUMENTS, SYNTHEA, add, stored

NOTES = 15


def bundle_with_notes() -> bytes:
    """A real Synthea bundle (Abdul Koepp, not the case's patient) with 15 real Synthea
    clinical notes (DocumentReference, from the bulk sample) added to it."""
    bundle = json.loads(SYNTHEA[0].read_text(encoding="utf-8"))
    lines = DOCUMENTS.read_text(encoding="utf-8").splitlines()[:NOTES]
    bundle["entry"] += [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": json.loads(line)}
                        for line in lines]
    return json.dumps(bundle).encode()


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


@pytest.fixture
def upload(case, users):
    bundle = add(case, users["patient"], "abdul.json", bundle_with_notes())
    read_record.call(str(bundle.id))
    bundle.refresh_from_db()
    return bundle


def test_someone_elses_bundle_is_held_as_16_records(case, upload):
    assert upload.identity == "held"
    assert Record.objects.filter(case=case).count() == 1 + NOTES
    assert Record.objects.filter(case=case, identity="held").count() == 1 + NOTES
    document = Record.objects.filter(source=upload).first()
    assert len(held_of_upload(document)) == len(held_of_upload(upload)) == 1 + NOTES


def test_removing_all_is_one_step_with_an_audit_row_per_record(
        case, upload, users, django_capture_on_commit_callbacks):
    files = list(Record.objects.filter(case=case).values_list("storage_name", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        removed = do_remove_upload(upload, acting_user=users["patient"])
    assert [r.id for r in removed] == [upload.id]  # the file; what was in it went with it
    assert not Record.objects.filter(case=case).exists()
    assert not any(stored(name) for name in files)
    assert RemovedRecord.objects.get(id=upload.id).name == ""  # held: no name kept
    assert AuditEntry.objects.filter(action="record.remove").count() == 1 + NOTES


def test_confirming_all_uses_every_record(case, upload, users):
    document = Record.objects.filter(source=upload).first()
    confirmed = do_confirm_upload(document, acting_user=users["coordinator"])  # any of them
    assert len(confirmed) == 1 + NOTES
    assert not Record.objects.filter(case=case, identity="held").exists()
    assert AuditEntry.objects.filter(action="record.confirm",
                                     actor=users["coordinator"]).count() == 1 + NOTES
    with pytest.raises(Conflict) as again:
        do_confirm_upload(upload, acting_user=users["patient"])
    assert again.value.message == "No record from this file is on hold."
    with pytest.raises(Conflict):
        do_remove_upload(upload, acting_user=users["patient"])


@pytest.mark.parametrize("role", ["caregiver", "specialist", "physician", "patient2"])
def test_only_the_patient_or_a_coordinator(case, upload, users, role):
    for action in (do_remove_upload, do_confirm_upload):
        with pytest.raises(NotAllowed):
            action(upload, acting_user=users[role])
    assert Record.objects.filter(case=case, identity="held").count() == 1 + NOTES


def test_a_closed_case_keeps_them(case, upload, users):
    Case.objects.filter(id=case.id).update(status="closed")
    for action in (do_remove_upload, do_confirm_upload):
        with pytest.raises(Conflict):
            action(upload, acting_user=users["patient"])
    assert Record.objects.filter(case=case).count() == 1 + NOTES


def test_a_record_already_removed(case, upload, users):
    document = Record.objects.filter(source=upload).first()
    do_remove_record(document, acting_user=users["patient"])  # one of them, alone
    assert Record.objects.filter(case=case).count() == NOTES
    removed_all = do_remove_upload(upload, acting_user=users["patient"])
    assert [r.id for r in removed_all] == [upload.id]
    for action in (do_remove_upload, do_confirm_upload):  # the file itself is gone now
        with pytest.raises(Conflict) as gone:
            action(upload, acting_user=users["patient"])
        assert gone.value.message == "These records were already removed."


def test_a_document_confirmed_alone_is_not_removed_with_the_others(case, upload, users):
    document = Record.objects.filter(source=upload).first()
    do_confirm_record(document, acting_user=users["patient"])
    with pytest.raises(Conflict) as refused:
        do_remove_upload(upload, acting_user=users["patient"])
    assert "Remove the others one by one" in refused.value.message
    assert Record.objects.filter(case=case).count() == 1 + NOTES


def _page(client, case, record, name):
    return f"/cases/{case.id}/records/{record.id}/{name}/"


def test_the_page_asks_first_then_removes_all(case, upload, users, login, client,
                                             django_capture_on_commit_callbacks):
    login(users["patient"], client)
    records = client.get(f"/cases/{case.id}/records/").content.decode()
    assert f"Remove all {1 + NOTES} records from this file" in records
    assert f"These {1 + NOTES} records are mine" in records
    asked = client.get(_page(client, case, upload, "remove-all")).content.decode()
    assert f"Remove all {1 + NOTES} records from abdul.json?" in asked
    assert "cannot be undone" in asked
    unticked = client.post(_page(client, case, upload, "remove-all"), {})
    assert unticked.status_code == 302 and Record.objects.filter(case=case).count() == 1 + NOTES
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_page(client, case, upload, "remove-all"), {"confirmed": "yes"},
                           follow=True).content.decode()
    assert f"{1 + NOTES} records from abdul.json are removed." in done
    assert not Record.objects.filter(case=case).exists()
    gone = client.get(_page(client, case, upload, "remove-all"))
    assert gone.status_code == 404


def test_the_page_confirms_all_with_a_tick(case, upload, users, login, client):
    login(users["patient"], client)
    unticked = client.post(_page(client, case, upload, "confirm-all"), {}, follow=True)
    assert "Tick the box" in unticked.content.decode()
    assert Record.objects.filter(case=case, identity="held").count() == 1 + NOTES
    done = client.post(_page(client, case, upload, "confirm-all"), {"checked": "yes"},
                       follow=True).content.decode()
    assert f"The {1 + NOTES} records from this file are no longer on hold" in done
    assert not Record.objects.filter(case=case, identity="held").exists()


def test_another_patients_case_or_a_caregiver_gets_nothing(case, upload, users, login,
                                                           client, journey):
    theirs, _ = journey("submitted", patient="patient2")
    for role, case_id in (("patient2", case.id), ("patient2", theirs.id),
                          ("caregiver", case.id)):
        login(users[role], client)
        for name in ("remove-all", "confirm-all"):
            url = f"/cases/{case_id}/records/{upload.id}/{name}/"
            answer = client.post(url, {"confirmed": "yes", "checked": "yes"})
            assert answer.status_code in (403, 404), (role, name, answer.status_code)
        if role == "caregiver":  # sees the case, not what is on hold: no buttons
            page = client.get(f"/cases/{case.id}/records/").content.decode()
            assert "records from this file" not in page and "are mine" not in page
    assert Record.objects.filter(case=case, identity="held").count() == 1 + NOTES


def test_the_api_removes_or_confirms_all(case, upload, users, token_for, client):
    bearer = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    url = f"/api/v1/cases/{case.id}/records/{upload.id}/upload"
    other = {"Authorization": f"Bearer {token_for(users['patient2'])}"}
    assert client.delete(url, headers=other).status_code == 404
    assert client.post(url + "/confirm", headers=other).status_code == 404
    wrong_case = f"/api/v1/cases/{uuid.uuid4()}/records/{upload.id}/upload"
    assert client.delete(wrong_case, headers=bearer).status_code == 404
    answer = client.post(url + "/confirm", headers=bearer)
    assert answer.status_code == 200 and answer.json()["confirmed"] == 1 + NOTES
    assert client.post(url + "/confirm", headers=bearer).status_code == 409


def test_the_api_removes_all(case, upload, users, token_for, client):
    bearer = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    url = f"/api/v1/cases/{case.id}/records/{upload.id}/upload"
    caregiver = {"Authorization": f"Bearer {token_for(users['caregiver'])}"}
    assert client.delete(url, headers=caregiver).status_code in (403, 404)
    answer = client.delete(url, headers=bearer)
    assert answer.status_code == 200 and answer.json()["removed"] == 1 + NOTES
    assert not Record.objects.filter(case=case).exists()
    assert client.delete(url, headers=bearer).status_code == 404
