"""Removing a record: the patient or a coordinator, on an open case, after a confirmation;
the file is erased (its bytes deleted, its key gone), what was read out of it goes with it,
the audit trail and a signed opinion's "records reviewed" keep that it existed."""

import io
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from consilium.audit.models import AuditEntry
from consilium.cases.models import Case
from consilium.errors import Conflict, NotAllowed
from consilium.records.actions import Upload, do_add_records, do_remove_record
from consilium.records.models import ClinicalEntry, ImagingSeries, Preview, Record, RemovedRecord
from consilium.records.tasks import read_record, render_series_preview

from .test_imaging import ct_slices
from .test_records import PDF

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
SYNTHEA = sorted((DATA / "synthea-r4-bundles_smart-generated-sample-data").glob("*.json"))
DOCUMENTS = (DATA / "synthea-bulk-ndjson_smart-sample-bulk-fhir-datasets"
             / "DocumentReference.000.ndjson")


@pytest.fixture
def case(journey):
    return journey("submitted")[0]


def add(case, user, name: str, data: bytes) -> Record:
    (outcome,) = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                acting_user=user)
    assert outcome.status == "stored", outcome.message
    return outcome.record


def stored(name: str) -> bool:
    return default_storage.exists(name)


def remove(record, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        do_remove_record(record, acting_user=user)


def test_who_may_remove_and_when(case, users, journey):
    record = add(case, users["patient"], "note.txt", b"Clinic note: knee pain.")
    for role in ("caregiver", "specialist", "patient2", "physician"):
        with pytest.raises(NotAllowed) as refused:
            do_remove_record(record, acting_user=users[role])
        assert "Only the patient or a coordinator" in refused.value.message
    Case.objects.filter(id=case.id).update(status="closed")
    with pytest.raises(Conflict) as closed:
        do_remove_record(record, acting_user=users["patient"])
    assert closed.value.message == ("The case is closed; its records can no longer be "
                                    "removed.")
    assert Record.objects.filter(id=record.id).exists()


def test_removing_erases_the_file_and_keeps_that_it_existed(
        case, users, django_capture_on_commit_callbacks):
    record = add(case, users["patient"], "biopsy report.pdf", PDF)
    assert stored(record.storage_name)
    remove(record, users["coordinator"], django_capture_on_commit_callbacks)
    assert not Record.objects.filter(id=record.id).exists()  # its wrapped key with it
    assert not stored(record.storage_name)
    gone = RemovedRecord.objects.get(id=record.id)
    assert (gone.case_id, gone.name, gone.record_type) == (case.id, "biopsy report.pdf",
                                                            record.record_type)
    assert gone.removed_by == users["coordinator"] and gone.uploaded_at == record.uploaded_at
    entry = AuditEntry.objects.get(action="record.remove")
    assert (entry.object_id, entry.case_id, entry.actor) == (str(record.id), case.id,
                                                             users["coordinator"])
    # The same file may be sent again: it is a new record.
    assert add(case, users["patient"], "biopsy report.pdf", PDF).id != record.id


def test_removing_twice_is_refused_plainly(case, users, django_capture_on_commit_callbacks):
    record = add(case, users["patient"], "note.txt", b"Clinic note.")
    remove(record, users["patient"], django_capture_on_commit_callbacks)
    with pytest.raises(Conflict) as again:
        do_remove_record(record, acting_user=users["patient"])
    assert "already removed" in again.value.message


def test_a_pdf_goes_with_its_text_and_picture(case, users, django_capture_on_commit_callbacks):
    from .test_reading import note_pdf, note_text

    record = add(case, users["patient"], "scan.pdf",
                 note_pdf(note_text("pathology_3083_Pathology_Prostate.txt")))
    read_record.call(str(record.id))
    preview = Preview.objects.get(record=record)
    remove(record, users["patient"], django_capture_on_commit_callbacks)
    assert not Preview.objects.exists() and not stored(preview.storage_name)
    assert not Record.objects.filter(text__icontains="Gleason").exists()


def test_a_fhir_record_goes_with_its_entries_and_its_documents(
        case, users, django_capture_on_commit_callbacks):
    bundle = add(case, users["patient"], SYNTHEA[0].name, SYNTHEA[0].read_bytes())
    read_record.call(str(bundle.id))
    documents = add(case, users["patient"], DOCUMENTS.name, DOCUMENTS.read_bytes())
    read_record.call(str(documents.id))
    derived = list(Record.objects.filter(source=documents))
    assert derived and ClinicalEntry.objects.filter(record=bundle).exists()
    remove(bundle, users["patient"], django_capture_on_commit_callbacks)
    assert not ClinicalEntry.objects.filter(record_id=bundle.id).exists()
    remove(documents, users["patient"], django_capture_on_commit_callbacks)
    assert not Record.objects.exists()
    assert not any(stored(r.storage_name) for r in [bundle, documents, *derived])
    removed = set(AuditEntry.objects.filter(action="record.remove").values_list(
        "object_id", flat=True))
    assert removed == {str(r.id) for r in [bundle, documents, *derived]}
    # Only what the person removed is listed; what came out of it went with it.
    assert set(RemovedRecord.objects.values_list("id", flat=True)) == {bundle.id, documents.id}


def test_a_dicom_image_leaves_its_series_and_the_last_one_the_series(
        case, users, tmp_path, django_capture_on_commit_callbacks):
    paths = ct_slices(tmp_path, 3)
    records = [add(case, users["patient"], p.name, p.read_bytes()) for p in paths]
    series = ImagingSeries.objects.get(case=case)
    render_series_preview.call(series.pk)
    series.refresh_from_db()
    middle = series.preview_record
    remove(middle, users["patient"], django_capture_on_commit_callbacks)
    series.refresh_from_db()
    assert series.images == 2 and series.preview_record is None and series.preview_due
    for record in records:
        if record.id != middle.id:
            remove(record, users["patient"], django_capture_on_commit_callbacks)
    assert not ImagingSeries.objects.exists() and not Preview.objects.exists()


def test_a_file_shared_with_a_third_opinion_copy_is_kept_for_the_copy(
        case, users, journey, django_capture_on_commit_callbacks):
    from consilium.records.actions import carry_over_records

    record = add(case, users["patient"], "note.txt", b"Clinic note: a copy shares my file.")
    other, _ = journey("submitted")
    carry_over_records(case, other, acting_user=users["patient"])
    copy = Record.objects.get(case=other)
    remove(record, users["patient"], django_capture_on_commit_callbacks)
    assert stored(copy.storage_name)  # the copy names the same encrypted file
    remove(copy, users["patient"], django_capture_on_commit_callbacks)
    assert not stored(copy.storage_name)


def test_removing_through_the_api(client, users, token_for, case):
    record = add(case, users["patient"], "note.txt", b"Clinic note.")
    patient = {"Authorization": f"Bearer {token_for(users['patient'])}"}
    caregiver = {"Authorization": f"Bearer {token_for(users['patient2'])}"}
    listing = client.get(f"/api/v1/cases/{case.id}/records", headers=patient).json()
    assert "remove" in listing["allowed_actions"]
    url = f"/api/v1/cases/{case.id}/records/{record.id}"
    assert client.delete(url, headers=caregiver).status_code == 404  # not their case
    assert client.delete(f"/api/v1/cases/{case.id}/records/{uuid.uuid4()}",
                         headers=patient).status_code == 404
    answer = client.delete(url, headers=patient)
    assert answer.status_code == 204, answer.content
    assert not Record.objects.exists()
    assert client.delete(url, headers=patient).status_code == 404


def test_removing_on_the_page_asks_first(client, login, users, case):
    record = add(case, users["patient"], "knee note.txt", b"Clinic note: knee pain.")
    login(users["patient"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    url = f"/cases/{case.id}/records/{record.id}/remove/"
    assert url in page
    asked = client.get(url)
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "knee note.txt" in text and "cannot be undone" in text
    assert Record.objects.exists()  # asking removes nothing
    unticked = client.post(url, {}, follow=True)
    assert "Tick the box" in unticked.content.decode() and Record.objects.exists()
    done = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "knee note.txt is removed" in done.content.decode()
    assert not Record.objects.exists()


def test_the_remove_button_shows_only_when_allowed(client, login, users, case):
    from consilium.cases.actions import do_share_case

    record = add(case, users["patient"], "note.txt", b"Clinic note.")
    do_share_case(case, "caregiver", acting_user=users["patient"])
    url = f"/cases/{case.id}/records/{record.id}/remove/"
    login(users["caregiver"])
    assert url not in client.get(f"/cases/{case.id}/").content.decode()
    assert client.post(url, {"confirmed": "yes"}).status_code == 403
    login(users["coordinator"])
    assert url in client.get(f"/cases/{case.id}/records/").content.decode()


def test_a_signed_opinion_still_lists_a_removed_record(
        journey, users, django_capture_on_commit_callbacks):
    from consilium.opinions.reports import physician_context

    case, consultation = journey("in_review")
    before = add(case, users["patient"], "pathology report.pdf", PDF)
    case, consultation = _sign(journey, case, consultation, users)
    later = add(case, users["patient"], "later note.txt", b"Clinic note after signing.")
    remove(before, users["patient"], django_capture_on_commit_callbacks)
    remove(later, users["patient"], django_capture_on_commit_callbacks)
    context = physician_context(consultation.opinion)
    assert [r.name for r in context["records"]] == []
    assert [r.name for r in context["removed"]] == ["pathology report.pdf"]
    from pypdf import PdfReader

    from consilium.opinions.reports import render_report

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(
        render_report(consultation.opinion, "report"))).pages)
    assert "pathology report.pdf" in text and "removed" in text.lower()


def _sign(journey, case, consultation, users):
    from consilium.conftest import PASSWORD, sign_request
    from consilium.opinions.actions import do_sign_opinion

    do_sign_opinion(consultation, acting_user=users["specialist"], request=sign_request(),
                    secret=PASSWORD)
    case.refresh_from_db()
    consultation.refresh_from_db()
    return case, consultation

