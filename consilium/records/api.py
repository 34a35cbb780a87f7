import tempfile
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id
from consilium.errors import Conflict, InvalidInput
from consilium.submissions.once import key_of

from . import dicom, storage
from .access import access_record_by_id, records_shown_to
from .actions import Upload, do_add_records, do_remove_record, do_remove_upload
from .holds import do_confirm_record, do_confirm_upload, held_of_upload, may_settle_hold
from .policy import policy

router = Router(tags=["records"])
# A file answer: documented by hand, since it is not a schema.
FILE = {"responses": {200: {"description": "The file",
                           "content": {"application/octet-stream": {}}}}}


class RecordOut(Schema):
    id: UUID
    name: str
    kind: str
    media_type: str
    record_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by_id: int
    # Background reading: "", queued, running, done or failed, and what it found.
    processing: str
    processing_note: str
    # The record this one was found in (a document attached to a FHIR record).
    source_id: UUID | None
    series_id: int | None
    # "held": it may be about someone else (hold_reason says why), kept out of the summary,
    # packet and reports until confirmed; "fits", "confirmed", or "" (it does not say).
    identity: str
    hold_reason: str


class RecordsOut(Schema):
    # What the caller may do with the case's records now (the records policy's set, as the
    # page shows it): its rules are about the records as a whole, so the set is the list's.
    allowed_actions: list[str]
    records: list[RecordOut]


class OutcomeOut(Schema):
    name: str
    status: str
    message: str
    record: RecordOut | None


@router.get("/{uuid:case_id}/records", response={200: RecordsOut, **errors(404)})
def list_records(request, case_id: UUID):
    """The case's records, and what the caller may do with them (``allowed_actions``)."""
    case = access_case_by_id(request.user, case_id, action="record.list")
    return {"allowed_actions": sorted(policy.allowed(request.user, case)),
            "records": list(records_shown_to(request.user, case).defer("text"))}


@router.post("/{uuid:case_id}/records",
             response={200: list[OutcomeOut], **errors(400, 404, 409, 413, 422)})
def add_records(request, case_id: UUID, files: list[UploadedFile] = File(...)):  # noqa: B008
    """Upload one or many files (multipart field ``files``). Each is accepted or refused on
    its own; a zip is unpacked. Answers one outcome per file, in order. A file already in
    the case is not stored again ("duplicate"); with an ``Idempotency-Key`` header, a repeat
    of the request answers as the first did (its files "stored")."""
    case = access_case_by_id(request.user, case_id)
    if not files:
        raise InvalidInput({"files": "Attach at least one file."})
    uploads = [Upload.of(f) for f in files]
    return do_add_records(case, uploads, acting_user=request.user, key=key_of(request))


@router.post("/{uuid:case_id}/records/{uuid:record_id}/confirm",
             response={200: RecordOut, **errors(403, 404, 409)})
def confirm_record(request, case_id: UUID, record_id: UUID):
    """Say a record on hold is the patient's: it is used again like the others."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.confirm",
                                check=may_settle_hold)
    return do_confirm_record(found, acting_user=request.user)


@router.get("/{uuid:case_id}/records/{uuid:record_id}/content", response=errors(404),
            openapi_extra=FILE)
def record_content(request, case_id: UUID, record_id: UUID):
    """The file itself, decrypted as it streams and checked against its SHA-256."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.download")
    return download_response(found)


@router.get("/{uuid:case_id}/records/{uuid:record_id}/deidentified", response=errors(404, 422),
            openapi_extra=FILE)
def record_deidentified(request, case_id: UUID, record_id: UUID):
    """A de-identified copy of a DICOM image (PS3.15 Basic Profile): what may leave."""
    found = access_record_by_id(request.user, case_id, record_id,
                                action="record.export_deidentified", check=only_dicom)
    return deidentified_response(found)


@router.delete("/{uuid:case_id}/records/{uuid:record_id}",
               response={204: None, **errors(403, 404, 409)})
def remove_record(request, case_id: UUID, record_id: UUID):
    """Remove a record for good (the patient or a coordinator, while the case is open): the
    file is erased, what was read out of it goes with it. The audit trail keeps that it
    existed, and a signed opinion's "records reviewed" lists it as removed."""
    found = access_record_by_id(request.user, case_id, record_id, check=may_remove)
    do_remove_record(found, acting_user=request.user)
    return 204, None


class RemovedOut(Schema):
    removed: int  # how many records went


class ConfirmedOut(Schema):
    confirmed: int  # how many records are no longer on hold


@router.delete("/{uuid:case_id}/records/{uuid:record_id}/upload",
               response={200: RemovedOut, **errors(403, 404, 409)})
def remove_upload(request, case_id: UUID, record_id: UUID):
    """Remove every record on hold of the file this record is, or came out of (a FHIR record
    and the documents found in it), at once: as DELETE of each, in one step."""
    found = access_record_by_id(request.user, case_id, record_id, check=may_remove)
    removed = len(held_of_upload(found))
    if not removed:
        raise Conflict("No record from this file is on hold.")
    do_remove_upload(found, acting_user=request.user)
    return {"removed": removed}


@router.post("/{uuid:case_id}/records/{uuid:record_id}/upload/confirm",
             response={200: ConfirmedOut, **errors(403, 404, 409)})
def confirm_upload(request, case_id: UUID, record_id: UUID):
    """Every record on hold of the file this record is, or came out of, is the patient's."""
    found = access_record_by_id(request.user, case_id, record_id, action="record.confirm",
                                check=may_settle_hold)
    return {"confirmed": len(do_confirm_upload(found, acting_user=request.user))}


def may_remove(found, user) -> None:
    """A ``check``: refused before the record is read (the refusal alone is audited)."""
    policy.check(user, found.case, "remove")


def only_dicom(found, user) -> None:
    """A ``check``: only DICOM images have a de-identified copy (422 for other files)."""
    if found.kind != "dicom":
        raise InvalidInput({"record_id": "Only DICOM images have a de-identified copy."})


def deidentified_response(found) -> FileResponse:
    only_dicom(found, None)
    copy = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    with storage.plaintext_copy(found) as original:
        dicom.deidentify(original, copy, case_id=found.case_id)
    copy.seek(0)
    return FileResponse(copy, as_attachment=True, filename="deidentified.dcm",
                        content_type="application/dicom")


def download_response(found) -> StreamingHttpResponse:
    response = StreamingHttpResponse(storage.open_plaintext(found),
                                     content_type=found.media_type)
    response["Content-Length"] = str(found.size)
    response["Content-Disposition"] = content_disposition_header(True, found.name.split("/")[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response
