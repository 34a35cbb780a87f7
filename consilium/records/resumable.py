"""Resumable uploads for the pages: the server side of the tus 1.0.0 protocol (core and the
creation extension), spoken by tus-js-client in the browser (see static/upload.js).

POST /uploads/ creates an upload (metadata: the file's name and the case); HEAD tells how
many bytes arrived; PATCH appends bytes at that offset. When the last byte arrives the file
goes through the same action as any upload (check, encrypt, store) and the part file is
deleted. Only the person who started an upload can see or continue it, and only while they
may still add records to its case: every part and the final assembly check again (a share
revoked meanwhile ends the upload). An upload may not declare more than the case has room for.
"""

import base64
import binascii
import fcntl
import re
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_http_methods

from consilium.cases.access import access_case_by_id
from consilium.errors import DomainError, InvalidInput

from .actions import (
    NoRoom,
    Upload,
    do_add_records,
    do_end_upload,
    do_start_upload,
    stored_name,
)
from .models import PendingUpload
from .policy import policy
from .sniff import EMPTY

TUS_VERSION = "1.0.0"
CHUNK = 1024 * 1024
BYTES = re.compile(r"[0-9]{1,20}")  # ASCII digits only: int() also takes " 1_0", "١٠"


def part_path(pending: PendingUpload) -> Path:
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(exist_ok=True)
    return folder / f"{pending.id}.part"


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _refuse(status: int, message: str) -> HttpResponse:
    return _tus(HttpResponse(message, status=status, content_type="text/plain"))


def _metadata(header: str) -> dict[str, str]:
    values = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            values[key] = ""
    return values


@login_required
@require_http_methods(["OPTIONS", "POST"])
def create(request):
    if request.method == "OPTIONS":
        response = _tus(HttpResponse(status=204))
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = "creation"
        response["Tus-Max-Size"] = str(settings.RECORDS_MAX_FILE_BYTES)
        return response
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _refuse(412, "Only tus 1.0.0 is spoken here.")
    meta = _metadata(request.headers.get("Upload-Metadata", ""))
    case = access_case_by_id(request.user, meta.get("case", ""), check=policy.checker("add"))
    declared = request.headers.get("Upload-Length", "")
    if not BYTES.fullmatch(declared):
        return _refuse(400, "Upload-Length must be the file's size in bytes.")
    length = int(declared)
    if length > settings.RECORDS_MAX_FILE_BYTES:
        return _refuse(413, "The file is larger than this program accepts.")
    try:
        name = stored_name(meta.get("filename") or "upload")
    except InvalidInput as refused:
        return _refuse(400, refused.errors["files"])
    if length == 0:  # refused here, as any upload is: the page shows why once it reloads
        messages.error(request, f"{name}: {EMPTY}")
        return _refuse(400, EMPTY)
    try:
        pending = do_start_upload(case, name, length, acting_user=request.user)
    except NoRoom as full:  # decided on the locked case: uploads started at once count
        return _refuse(413, full.message)
    part_path(pending).touch()
    response = _tus(HttpResponse(status=201))
    response["Location"] = f"/uploads/{pending.id}/"
    return response


@login_required
@require_http_methods(["HEAD", "PATCH", "DELETE"])
def upload(request, upload_id):
    pending = PendingUpload.objects.filter(id=upload_id, user=request.user).first()
    if pending is None:
        raise Http404("No such upload")
    if request.method == "HEAD":
        response = _tus(HttpResponse(status=200))
        response["Upload-Offset"] = str(pending.offset)
        response["Upload-Length"] = str(pending.length)
        return response
    if request.method == "DELETE":
        part_path(pending).unlink(missing_ok=True)
        do_end_upload(pending, acting_user=request.user)
        return _tus(HttpResponse(status=204))
    return _append(request, pending)


def _may_continue(request, pending: PendingUpload):
    """The case, if the uploader may still add records to it; else the upload is dropped
    (a share revoked, the case closed) and the refusal raised."""
    try:
        case = access_case_by_id(request.user, pending.case_id, action="record.upload",
                                 check=policy.checker("add"))
    except (Http404, DomainError):
        part_path(pending).unlink(missing_ok=True)
        do_end_upload(pending, acting_user=request.user)
        raise
    return case


def _append(request, pending: PendingUpload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _refuse(415, "PATCH needs Content-Type application/offset+octet-stream.")
    _may_continue(request, pending)
    path = part_path(pending)
    with path.open("r+b") as part:
        # One writer at a time per upload (two tabs may continue the same file).
        fcntl.flock(part, fcntl.LOCK_EX)
        try:
            pending.refresh_from_db()
        except PendingUpload.DoesNotExist:  # another tab finished it meanwhile
            raise Http404("No such upload") from None
        if request.headers.get("Upload-Offset") != str(pending.offset):
            return _refuse(409, "The offset does not match; ask for it again with HEAD.")
        received = pending.offset
        part.seek(received)
        part.truncate()  # drop bytes of an earlier PATCH that never got recorded
        while chunk := request.read(CHUNK):
            if received + len(chunk) > pending.length:
                return _refuse(400, "More bytes than Upload-Length.")
            part.write(chunk)
            received += len(chunk)
        PendingUpload.objects.filter(id=pending.id).update(offset=received)
    if received == pending.length:
        _finish(request, pending)
    response = _tus(HttpResponse(status=204))
    response["Upload-Offset"] = str(received)
    return response


def _finish(request, pending: PendingUpload) -> None:
    """The last byte arrived: store it like any upload, then forget the part file."""
    case = _may_continue(request, pending)
    path = part_path(pending)
    with path.open("rb") as part:
        outcomes = do_add_records(case, [Upload(pending.name, part, pending.length)],
                                  acting_user=request.user, reserved=pending)
    do_end_upload(pending, acting_user=request.user)
    path.unlink(missing_ok=True)
    # The page lists what was added; only what needs attention becomes a message (a folder
    # of hundreds of images would otherwise bury it).
    for outcome in outcomes:
        if outcome.status == "duplicate":
            messages.info(request, f"{outcome.name}: {outcome.message}")
        elif outcome.status == "refused":
            messages.error(request, f"{outcome.name}: {outcome.message}")
