"""A 404 for someone else's record is an audit row of its own, and never a read
(issue 17, finding 4)."""

import base64
import io
import uuid

import pytest

from consilium.audit.models import AuditEntry
from consilium.cases.actions import do_share_case
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import Preview


def _rows_of(user, since):
    return list(AuditEntry.objects.filter(id__gt=since, actor=user)
                .values_list("action", "object_type", "object_id", "case_id"))


def _last_id():
    last = AuditEntry.objects.order_by("id").last()
    return last.id if last else 0


def test_the_other_patients_case_page_is_a_refused_row_not_a_read(users, journey, login):
    case, _ = journey("draft")
    since = _last_id()
    response = login(users["patient2"]).get(f"/cases/{case.id}/")
    assert response.status_code == 404
    assert _rows_of(users["patient2"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_the_other_patients_case_through_the_api_is_a_refused_row(users, journey, api):
    case, _ = journey("draft")
    since = _last_id()
    assert api(users["patient2"], "GET", f"/cases/{case.id}").status_code == 404
    assert _rows_of(users["patient2"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_an_unknown_case_is_refused_with_the_id_asked_for(users, login):
    unknown = uuid.uuid4()
    since = _last_id()
    assert login(users["coordinator"]).get(f"/cases/{unknown}/").status_code == 404
    assert _rows_of(users["coordinator"], since) == [
        ("case.view.refused", "case", str(unknown), unknown)]


def test_a_missing_record_of_ones_own_case_records_no_case_read(users, journey, login):
    case, _ = journey("draft")
    missing = uuid.uuid4()
    since = _last_id()
    response = login(users["patient"]).get(f"/cases/{case.id}/records/{missing}/")
    assert response.status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("record.download.refused", "record", str(missing), case.id)]


def test_an_unsigned_opinion_is_refused_and_its_consultation_not_read(users, journey, api):
    case, consultation = journey("accepted")
    since = _last_id()
    response = api(users["patient"], "GET", f"/consultations/{consultation.id}/opinion")
    assert response.status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("opinion.view.refused", "consultation", str(consultation.id), case.id)]


def test_a_permitted_read_is_still_recorded_once(users, journey, api):
    case, _ = journey("draft")
    since = _last_id()
    assert api(users["patient"], "GET", f"/cases/{case.id}").status_code == 200
    assert _rows_of(users["patient"], since) == [("case.view", "case", str(case.id), case.id)]


# A case the user may see, and a page's own rule refuses them: only the refusal is recorded
# (the pages used to record the read, then answer 403, 404 or 422).


@pytest.fixture
def pdf_record(users, journey):
    case, _ = journey("draft")
    pdf = b"%PDF-1.4\nnot really\n%%EOF"
    do_add_records(case, [Upload("letter.pdf", io.BytesIO(pdf), len(pdf))],
                                acting_user=users["patient"])
    return case, case.records.get()


@pytest.mark.parametrize("path", ["/cases/{case}/records/{record}/deidentified/",
                                  "/api/v1/cases/{case}/records/{record}/deidentified"])
def test_a_deidentified_copy_of_a_pdf_is_refused_not_read(users, login, pdf_record, path):
    case, found = pdf_record
    since = _last_id()
    response = login(users["patient"]).get(path.format(case=case.id, record=found.id))
    assert response.status_code == 422
    assert _rows_of(users["patient"], since) == [
        ("record.export_deidentified.refused", "record", str(found.id), case.id)]


def test_a_preview_that_does_not_exist_is_refused_not_read(users, login, pdf_record):
    case, found = pdf_record
    Preview.objects.filter(record=found).delete()  # a broken PDF has no picture anyway
    since = _last_id()
    response = login(users["patient"]).get(f"/cases/{case.id}/records/{found.id}/preview.png")
    assert response.status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("record.preview.refused", "record", str(found.id), case.id)]


@pytest.mark.parametrize("what", ["opinion", "consultation"])
def test_a_fhir_export_of_what_the_case_lacks_is_refused_not_read(users, journey, api, what):
    case, _ = journey("draft")
    since = _last_id()
    assert api(users["patient"], "GET", f"/cases/{case.id}/{what}.fhir.json").status_code == 404
    assert _rows_of(users["patient"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_a_tus_upload_the_specialist_may_not_add_is_refused_not_read(users, journey, login):
    case, _ = journey("offered")  # offered, not accepted: seen, but no records from them
    since = _last_id()
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"filename": "a.pdf", "case": str(case.id)}.items())
    response = login(users["specialist"]).post("/uploads/", headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": meta})
    assert response.status_code == 403
    assert _rows_of(users["specialist"], since) == [
        ("case.view.refused", "case", str(case.id), case.id)]


def test_the_patients_own_pages_are_refused_not_read_for_the_caregiver(users, journey, login):
    case, consultation = journey("opinion_delivered")
    do_share_case(case, "caregiver", acting_user=users["patient"])
    caregiver = login(users["caregiver"])
    since = _last_id()
    for path in (f"/cases/{case.id}/journal/", f"/cases/{case.id}/story/",
                 f"/consultations/{consultation.id}/appointments/new/"):
        assert caregiver.get(path).status_code in (403, 404), path
    assert [row[0] for row in _rows_of(users["caregiver"], since)] == [
        "case.view.refused", "case.view.refused", "consultation.view.refused"]
