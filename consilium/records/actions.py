"""Adding records to a case: each file on its own, so one refusal never stops the others."""

import binascii
import hashlib
import io
import stat
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from consilium.audit.trail import record as audit
from consilium.audit.trail import record_many as audit_many
from consilium.cases.actions import locked_case
from consilium.cases.models import Case
from consilium.errors import Conflict, DomainError, InvalidInput
from consilium.submissions.once import Once

from . import dicom, documents, storage
from .classify import classify
from .holds import family_of, follow_source, note_subject, upload_of
from .identity import subject_of_text
from .models import (
    IdentityCheck,
    ImagingSeries,
    PendingUpload,
    Preview,
    Record,
    RemovedRecord,
)
from .policy import policy
from .schemas import RecordTypeIn
from .sniff import Hostile, Refused, sniff
from .tasks import MAX_TEXT_CHARS, queue_reading, queue_series_preview

MAX_ZIP_MEMBERS = 5000
MAX_NAME = 255  # Record.name's max_length
# A member this much bigger than its compressed size, and big, is treated as a zip bomb.
MAX_RATIO, RATIO_FLOOR = 100, 10 * 1024**2
SKIPPED = ("__MACOSX/", ".DS_Store", "Thumbs.db")


@dataclass
class Upload:
    name: str
    file: BinaryIO
    size: int

    @classmethod
    def of(cls, uploaded) -> "Upload":
        """A file a request carried, under its full name (Django's is cut at 255 characters:
        consilium.records.upload_handlers keeps the whole one, so stored_name can refuse it)."""
        return cls(getattr(uploaded, "full_name", uploaded.name), uploaded.file, uploaded.size)


def stored_name(name: str) -> str:
    """The name a file is kept under (NFC), or InvalidInput: a name too long to keep whole,
    or one holding control characters (PostgreSQL refuses NUL in text)."""
    name = unicodedata.normalize("NFC", name).strip()
    if len(name) > MAX_NAME:
        raise InvalidInput({"files": f"A file's name is longer than {MAX_NAME} characters; "
                                     "rename the file and send it again."})
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise InvalidInput({"files": "A file's name holds control characters; rename the "
                                     "file and send it again."})
    return name


@dataclass
class Outcome:
    name: str
    status: str  # stored, duplicate or refused
    message: str = ""
    record: Record | None = field(default=None, repr=False)


def do_add_records(case: Case, uploads: list[Upload], *, acting_user, key: str = "",
                   reserved: PendingUpload | None = None) -> list[Outcome]:
    """Store every acceptable file (zips unpacked); report each file's outcome in order.

    Every file (each member of a zip too) is checked before any is stored: hostile input (a
    name that cannot be kept, JSON nested to exhaust a parser) refuses the whole upload with
    InvalidInput and nothing is stored. Other refusals are one file's outcome.

    A file is in a case once (``one_copy_per_case``), so a repeat never makes a second row.
    ``key``, the request's one-time key, makes a repeat also answer as the first did: a file
    the first request stored is "stored" again, not "already in the case".

    Refused at once on the case as it is now (the caller's copy may be stale), and each
    file again as it is stored, on the locked case: one closed meanwhile takes no more, one
    full meanwhile (uploads under way hold their room) stores no more. ``reserved``: the
    resumable upload these bytes finish, whose room is theirs."""
    policy.check(acting_user, Case.objects.get(id=case.id), "add")
    for upload in uploads:
        upload.name = stored_name(upload.name)
    checked: list[Upload | Outcome] = []
    try:
        for upload in uploads:
            checked += _checked(case, upload)
        # Each is checked again as it is stored: the case fills up as files are added.
        return [item if isinstance(item, Outcome)
                else _store_one(case, item, acting_user, key=key, reserved=reserved)
                for item in checked]
    finally:
        for item in checked:
            if isinstance(item, Upload) and not any(item is upload for upload in uploads):
                item.file.close()  # a zip member's temporary file


def _checked(case: Case, upload: Upload) -> list[Upload | Outcome]:
    """The file, or a zip's members, each checked: what may be stored and what is refused.
    Hostile input raises InvalidInput for the whole upload."""
    members: list[Upload | Outcome] = []
    try:
        if _check(case, upload).key != "zip":
            return [upload]
        members = _unpack(case, upload)
        for number, member in enumerate(members):
            if isinstance(member, Upload):
                try:
                    _check(case, member)
                except Refused as refusal:
                    member.file.close()
                    members[number] = Outcome(member.name, "refused", str(refusal))
        return members
    except Hostile as hostile:
        for member in members:
            if isinstance(member, Upload):
                member.file.close()
        raise InvalidInput({"files": f"{upload.name}: {hostile}"}) from None
    except Refused as refusal:
        return [Outcome(upload.name, "refused", str(refusal))]


def forget_stored(outcomes: list[Outcome]) -> None:
    """Delete the files of the records these outcomes stored, when the transaction that
    created the records is rolled back (a message refused for another of its files): the
    rows go with the rollback, their encrypted files would stay."""
    for outcome in outcomes:
        if outcome.status == "stored":
            assert outcome.record is not None  # a stored outcome always names its record
            storage.delete(outcome.record.storage_name)


def _check(case: Case, upload: Upload):
    if upload.size > settings.RECORDS_MAX_FILE_BYTES:
        raise Refused(f"The file is larger than {size_text(settings.RECORDS_MAX_FILE_BYTES)}.")
    used = case.records.aggregate(total=Sum("size"))["total"] or 0
    if used + upload.size > settings.RECORDS_MAX_CASE_BYTES:
        limit = size_text(settings.RECORDS_MAX_CASE_BYTES)
        raise Refused(f"The case would hold more than {limit}.")
    return sniff(upload.file, upload.size)


class NoRoom(Conflict):
    """The case's allowance has no room left for this many bytes."""


def room_left(case: Case, *, but: PendingUpload | None = None) -> int:
    """Bytes the case may still take: its limit, less its records and the uploads under way
    (but ``but``, whose bytes are the ones being stored)."""
    held = Record.objects.filter(case_id=case.id).aggregate(total=Sum("size"))["total"]
    pending = PendingUpload.objects.filter(case_id=case.id)
    if but is not None:
        pending = pending.exclude(id=but.id)
    under_way = pending.aggregate(total=Sum("length"))["total"]
    return settings.RECORDS_MAX_CASE_BYTES - (held or 0) - (under_way or 0)


def make_room(case: Case, size: int, *, but: PendingUpload | None = None) -> None:
    """Raise NoRoom unless the case has room for ``size`` bytes. Call with the case locked,
    in the transaction that records the file or the upload: two checked at once on their
    own snapshots would both pass and overshoot the allowance together."""
    room = room_left(case, but=but)
    if size > room:
        raise NoRoom(f"The case has room for {size_text(max(room, 0))} more (with the "
                     "uploads under way); this file is larger.")


def _store_one(case: Case, upload: Upload, user, kind=None, *, source=None, key: str = "",
               reserved: PendingUpload | None = None) -> Outcome:
    """Check, encrypt and store one file as a record. ``source`` is the record it came out
    of (a FHIR record's attached document); such records are written by the system. ``key``:
    the request's one-time key, ``reserved`` the upload it finishes (see do_add_records)."""
    try:
        kind = kind or _check(case, upload)
        if kind.key == "zip":
            raise Refused("A zip inside a zip is not unpacked; please unpack it first.")
    except Refused as refusal:
        return Outcome(upload.name, "refused", str(refusal))
    text, header = "", None
    if kind.key == "text":
        upload.file.seek(0)
        text = upload.file.read(MAX_TEXT_CHARS * 4).decode("utf-8", "replace")
        text = text[:MAX_TEXT_CHARS].replace("\x00", "")
    if kind.key == "docx":  # read at upload, like a text file: it is quick
        try:
            text = documents.text_of(upload.file, MAX_TEXT_CHARS)
        except documents.Damaged as damaged:
            return Outcome(upload.name, "refused", str(damaged))
    if kind.key == "dicom":
        try:
            header = dicom.read_header(upload.file)
        except Exception:  # pydicom raises many kinds of error on a damaged file
            return Outcome(upload.name, "refused", "The DICOM file is damaged.")
    sealed = storage.seal(upload.file)
    once = Once(user, _file_key(key, sealed.sha256), Record)
    existing = case.records.filter(sha256=sealed.sha256).first()
    if existing:
        sealed.discard()
        if once.done() is not None:  # this request's key stored it: answer as it did
            return Outcome(upload.name, "stored", "", existing)
        return Outcome(upload.name, "duplicate", "This file is already in the case.", existing)
    storage_name = sealed.keep()
    try:
        with transaction.atomic():
            if source is None:  # a person's file (a FHIR record's documents are the system's)
                locked_case(case, "add", user=user, policy=policy)
            else:
                Case.objects.select_for_update().get(id=case.id)
            make_room(case, sealed.size, but=reserved)
            if (earlier := once.earlier()) is not None:  # the same request, racing this one
                storage.delete(storage_name)
                return Outcome(upload.name, "stored", "", earlier)
            record = Record.objects.create(
                case=case, uploaded_by=user, name=upload.name[-255:], kind=kind.key,
                media_type=kind.media_type, record_type=classify(kind.key, upload.name, text),
                size=sealed.size, sha256=sealed.sha256, storage_name=storage_name,
                wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, text=text,
                series=_series_for(case, header), source=source,
                instance_number=header.instance_number if header else None,
                frames=header.frames if header else 1,
            )
            once.made(record)
            _judge_subject(record, header, text)
            audit(None if source else user, "record.create", record, case_id=case.id)
            queue_reading(record)
            if record.series_id:
                queue_series_preview(record.series_id)
    except DomainError as refusal:  # the case was closed, or the share revoked, meanwhile
        storage.delete(storage_name)
        return Outcome(upload.name, "refused", refusal.message)
    except IntegrityError:
        # The same file arrived twice at once; the other upload stored it.
        storage.delete(storage_name)
        existing = case.records.get(sha256=sealed.sha256)
        return Outcome(upload.name, "duplicate", "This file is already in the case.", existing)
    except BaseException:
        storage.delete(storage_name)  # never leave an orphan file behind
        raise
    return Outcome(upload.name, "stored", "", record)


def _judge_subject(record: Record, header, text: str) -> None:
    """Hold the record at once if what it says of its subject is not the patient: a DICOM
    header, a CDA document's recordTarget or a text file's labels, or the record it came
    out of. (FHIR records and PDFs say it
    when they are read: records.tasks.)"""
    if record.source_id is not None:
        follow_source(record)
    elif header is not None:
        note_subject(record, header.subject)
    elif text:
        note_subject(record, subject_of_text(text))  # a CDA document's patient, or labels


def _file_key(key: str, sha256: str) -> str:
    """One file's one-time key within a request's (an upload makes many records)."""
    return hashlib.sha256(f"{key}:{sha256}".encode()).hexdigest() if key else ""


def store_attachments(source: Record, attachments) -> int:
    """Store the documents found inside a FHIR record as records; return how many are new.

    They are checked like any upload (a "PDF" that is not one is refused), credited to the
    person who uploaded the FHIR record, and audited as written by the system.
    """
    stored = 0
    for attachment in attachments:
        try:
            data = attachment.decoded()
        except (binascii.Error, ValueError):
            continue
        upload = Upload(attachment.name, io.BytesIO(data), len(data))
        outcome = _store_one(source.case, upload, source.uploaded_by, source=source)
        stored += outcome.status == "stored"
    return stored


def _series_for(case: Case, header) -> ImagingSeries | None:
    """Group a DICOM image into its series (counting its images); DICOMDIR is an index."""
    if header is None or header.is_dicomdir or not header.series_uid:
        return None
    series, _ = ImagingSeries.objects.get_or_create(
        case=case, series_uid=header.series_uid[:64], defaults=dict(
            study_uid=header.study_uid[:64], modality=header.modality[:16],
            body_part=header.body_part[:64], study_date=header.study_date,
            study_description=header.study_description,
            series_description=header.series_description,
            series_number=header.series_number,
        ),
    )
    changes = {"images": F("images") + header.frames}
    if header.burned_in_annotation:
        changes["burned_in_annotation"] = True
    ImagingSeries.objects.filter(pk=series.pk).update(**changes)
    return series


def _unpack(case: Case, upload: Upload) -> list[Upload | Outcome]:
    """Check a zip as a whole, then unpack its members into temporary files."""
    upload.file.seek(0)
    archive = zipfile.ZipFile(upload.file)
    members = [m for m in archive.infolist()
               if not m.is_dir() and not any(s in m.filename for s in SKIPPED)]
    if len(members) > MAX_ZIP_MEMBERS:
        raise Refused(f"The zip holds more than {MAX_ZIP_MEMBERS} files.")
    for member in members:
        path = PurePosixPath(member.filename)
        if member.filename.startswith(("/", "\\")) or ".." in path.parts or ":" in path.parts[0]:
            raise Refused("The zip has paths that point outside it; it was not opened.")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise Refused("The zip contains links; it was not opened.")
        if member.flag_bits & 0x1:
            raise Refused("The zip is password-protected. Please send it without a password.")
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise Refused("The zip expands to far more than its size (a zip bomb); refused.")
    total = sum(m.file_size for m in members)
    if total > settings.RECORDS_MAX_CASE_BYTES:
        limit = size_text(settings.RECORDS_MAX_CASE_BYTES)
        raise Refused(f"The zip would unpack to more than {limit}.")
    unpacked: list[Upload | Outcome] = []
    for member in members:
        name = f"{upload.name}/{member.filename}"
        try:
            unpacked.append(Upload(name, _extract(archive, member), member.file_size))
        except Refused as refusal:
            unpacked.append(Outcome(name, "refused", str(refusal)))
    return unpacked


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> BinaryIO:
    """Copy one member to a temporary file, never trusting its declared size."""
    target = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    written = 0
    try:
        with archive.open(member) as source:
            while chunk := source.read(1024 * 1024):
                written += len(chunk)
                if written > member.file_size:
                    raise Refused("The zip's contents are larger than it says; refused.")
                target.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        target.close()
        raise Refused(f"This file in the zip is damaged ({type(error).__name__}).") from None
    except Refused:
        target.close()
        raise
    target.seek(0)
    return target


def size_text(size: int) -> str:
    """A size as people read it: "20 GB", "512 MB"."""
    return f"{size / 1024**3:g} GB" if size >= 1024**3 else f"{size / 1024**2:g} MB"


def do_set_record_type(record: Record, record_type: str, *, acting_user) -> Record:
    """A person corrects the type guessed at upload."""
    record_type = RecordTypeIn.read({"record_type": record_type}).record_type
    with transaction.atomic():
        locked_case(record.case, "retype", user=acting_user, policy=policy)
        Record.objects.filter(pk=record.pk).update(record_type=record_type, type_confirmed=True)
        record.record_type, record.type_confirmed = record_type, True
        audit(acting_user, "record.retype", record, case_id=record.case_id)
    return record


def carry_over_records(earlier: Case, case: Case, *, acting_user) -> int:
    """Copy the records of ``earlier`` into ``case`` (a third opinion), in the caller's
    transaction. The copies point at the same encrypted files, so gigabytes of imaging are
    not written twice (do_remove_record erases a file only once no row names it). What reading makes
    of a file (previews, clinical entries, documents inside a FHIR bundle) is made again
    for the copies by the worker, as for an upload."""
    series: dict[int | None, int] = {}  # an earlier series' id: its copy's (None: no series)
    for old in ImagingSeries.objects.filter(case=earlier):
        old_id = old.pk
        old.pk, old.case, old.preview_record, old.preview_due = None, case, None, False
        old.save()
        series[old_id] = old.pk
    copies = []
    for copy in Record.objects.in_use().filter(case=earlier, source__isnull=True).order_by(
            "uploaded_at"):
        copy.id, copy.case, copy.series_id = uuid.uuid4(), case, series.get(copy.series_id)
        copy.processing, copy.processing_claimed_at, copy.processing_note = "", None, ""
        copy._state.adding = True
        copy.save(force_insert=True)
        queue_reading(copy)
        copies.append(copy)
    audit_many(acting_user, "record.create", copies, case_id_of=lambda _: case.id)
    for series_id in series.values():
        queue_series_preview(series_id)
    return len(copies)


def do_start_upload(case: Case, name: str, length: int, *, acting_user) -> PendingUpload:
    """Open a resumable upload to the case (resumable.py): its bytes wait in a part file until
    the last one arrives, then do_add_records makes the record and do_end_upload closes it."""
    with transaction.atomic():
        case = locked_case(case, "add", user=acting_user, policy=policy)
        make_room(case, length)  # the upload holds its room until it ends
        pending = PendingUpload.objects.create(case=case, user=acting_user, name=name,
                                               length=length)
        audit(acting_user, "upload.start", pending, case_id=case.id)
    return pending


def do_end_upload(pending: PendingUpload, *, acting_user) -> None:
    """Close an upload: finished, cancelled by the uploader, or no longer allowed (a share
    revoked, the case closed). Closing one already closed (by another tab) does nothing."""
    with transaction.atomic():
        if PendingUpload.objects.filter(id=pending.id).delete()[0]:
            audit(acting_user, "upload.end", pending, case_id=pending.case_id)


def do_remove_record(record: Record, *, acting_user) -> RemovedRecord:
    """Remove a record for good, at the patient's or a coordinator's word (policy "remove").

    The row goes, and with it the wrapped file key (nothing else can decrypt the file), what
    was read out of it (clinical entries, text, its picture) and the documents found in it;
    the encrypted bytes are deleted once the removal is committed, unless a third opinion's
    copy still names them (carry_over_records shares files). A DICOM image leaves its series,
    the series goes with its last image. What stays: a RemovedRecord (for a signed opinion's
    "records reviewed") and one audit row per record, with nothing but its ID."""
    policy.check(acting_user, record.case, "remove")  # again on the locked case, below
    with transaction.atomic():
        case = locked_case(record.case, "remove", user=acting_user, policy=policy)
        current = Record.objects.select_for_update().filter(id=record.id, case=case).first()
        if current is None:
            raise Conflict("This record was already removed.")
        removed, family, files = _remove(current, case, acting_user)
        audit_many(acting_user, "record.remove", family, case_id_of=lambda _: case.id)
        transaction.on_commit(lambda: _erase(files))
    return removed


def do_remove_upload(record: Record, *, acting_user) -> list[RemovedRecord]:
    """Remove every held record of one file at once ("Remove all N records from this file"):
    the file a FHIR record's documents came out of, and those documents, when they are on
    hold (holds.held_of_upload). One action: the case is locked first (policy "remove", asked
    again on the locked case, the case of every record removed), then the records, then one
    audit row per record removed, as do_remove_record writes for one. A record on hold keeps
    no name (it may be about someone else). A record of the file confirmed as the patient's
    stays: if it was found in a held one, that one would take it with it, so nothing is
    removed and the answer says to remove the others one by one."""
    root = upload_of(record)
    policy.check(acting_user, root.case, "remove")  # again on the locked case, below
    with transaction.atomic():
        case = locked_case(root.case, "remove", user=acting_user, policy=policy)
        if not Record.objects.filter(id=root.id, case=case).exists():
            raise Conflict("These records were already removed.")
        family = family_of(root)  # read after the case is locked: nothing is added meanwhile
        held = {r.id for r in family if r.identity == IdentityCheck.HELD}
        if not held:
            raise Conflict("No record from this file is on hold.")
        tops = [r for r in family if r.id in held and r.source_id not in held]
        if any(other.id not in held for top in tops for other in family_of(top)):
            raise Conflict("Some records from this file are in use as yours. Remove the "
                           "others one by one.")
        current = list(Record.objects.select_for_update().filter(
            id__in=[t.id for t in tops], case=case).order_by("uploaded_at", "id"))
        if len(current) != len(tops):
            raise Conflict("A record from this file belongs to another case.")
        removed, gone, files = [], [], set()
        for each in current:
            one, its_family, its_files = _remove(each, case, acting_user)
            removed.append(one)
            gone += its_family
            files |= its_files
        audit_many(acting_user, "record.remove", gone, case_id_of=lambda _: case.id)
        transaction.on_commit(lambda: _erase(files))
    return removed


def _remove(current: Record, case: Case, acting_user) -> tuple[RemovedRecord, list, set]:
    """Delete a locked record and what was found in it; (its RemovedRecord, the records gone,
    the files to erase once committed). The caller writes the audit rows, last."""
    family = _with_found_in_it(current)
    ids = [r.id for r in family]
    files = {r.storage_name for r in family} | set(
        Preview.objects.filter(record_id__in=ids).values_list("storage_name", flat=True))
    held = current.identity == IdentityCheck.HELD  # it may name someone else: no name kept
    removed = RemovedRecord.objects.create(
        id=current.id, case=case, name="" if held else current.name,
        record_type=current.record_type, uploaded_at=current.uploaded_at,
        removed_by=acting_user)
    series = {r.series_id for r in family if r.series_id is not None}
    Record.objects.filter(id__in=ids).delete()  # entries, pictures and documents with it
    for series_id in series:
        _after_an_image_left(series_id)
    return removed, family, files


def _with_found_in_it(record: Record) -> list[Record]:
    """The record and every record found in it (a FHIR record's documents), at any depth."""
    family, wave = [record], [record.id]
    while wave:
        found = list(Record.objects.filter(source_id__in=wave).only(
            "id", "storage_name", "series_id"))
        family += found
        wave = [r.id for r in found]
    return family


def _after_an_image_left(series_id: int) -> None:
    """Count a series' images again; delete it once it has none, pick its picture again."""
    images = Record.objects.filter(series_id=series_id).aggregate(total=Sum("frames"))["total"]
    if not images:
        ImagingSeries.objects.filter(pk=series_id).delete()
        return
    ImagingSeries.objects.filter(pk=series_id).update(images=images)
    if ImagingSeries.objects.filter(pk=series_id, preview_record=None).exists():
        queue_series_preview(series_id)  # its picture was the image removed


def _erase(storage_names: set[str]) -> None:
    """Delete the encrypted files no record or picture names any more."""
    shared = set(Record.objects.filter(storage_name__in=storage_names).values_list(
        "storage_name", flat=True)) | set(Preview.objects.filter(
            storage_name__in=storage_names).values_list("storage_name", flat=True))
    for name in storage_names - shared:
        storage.delete(name)
