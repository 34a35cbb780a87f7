"""Background reading of uploaded records (run by ``manage.py db_worker``).

Each kind of file has its reader: FHIR records are imported (their attached documents
become records of their own), PDFs and text files give their text (for search and the type
guess) and PDFs and photos a small picture. DICOM series get their picture from the middle
image once the images have arrived (``render_series_preview``).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from consilium.audit.trail import record as audit

from . import imaging, storage
from .classify import classify_text
from .fhir_import import import_record
from .holds import note_subject
from .identity import from_text
from .models import ImagingSeries, Preview, Record

MAX_FHIR_BYTES = 512 * 1024**2
MAX_PDF_BYTES = 256 * 1024**2  # larger PDFs are kept, not read
MAX_TEXT_CHARS = 200_000  # what is kept of a document's text, for search
# A claim older than this belongs to a worker that stopped; the work may be taken over.
STALE_CLAIM = timedelta(minutes=30)
# Text files are read at upload (it is quick); these kinds are read in the background.
READABLE = {"fhir_json", "fhir_ndjson", "pdf", "jpeg", "png"}


@task()
def read_record(record_id: str) -> str:
    """Read a record's content; the outcome is noted on the record for people to see."""
    # Claim the work; a second worker finding it claimed leaves it alone, unless the claim is
    # so old that its worker must have died (then this run finishes it).
    now = timezone.now()
    claimable = Q(processing="queued") | Q(processing="running",
                                           processing_claimed_at__lt=now - STALE_CLAIM)
    if not Record.objects.filter(claimable, id=record_id).update(
        processing="running", processing_claimed_at=now
    ):
        return "not queued"
    record = Record.objects.select_related("case__patient").get(id=record_id)
    try:
        note = READERS[record.kind](record)
    except Exception as problem:  # noted on the record for people to see; never re-raised
        Record.objects.filter(id=record_id).update(
            processing="failed", processing_note=f"Could not read this record: {problem}"
        )
        return "failed"
    Record.objects.filter(id=record_id).update(processing="done", processing_note=note)
    # The system wrote health data (entries, text, a picture): audited like any write.
    audit(None, "record.read", record, case_id=record.case_id)
    return "done"


def _read_fhir(record: Record) -> str:
    from .actions import store_attachments

    if record.size > MAX_FHIR_BYTES:
        raise ValueError("the file is too large to read as one FHIR record")
    report = import_record(record, b"".join(storage.open_plaintext(record)))
    stored = store_attachments(record, report.attachments)
    note_subject(record, report.subject)  # its documents are held with it
    note = report.note()
    if stored:
        note += f" {stored} attached document{'s' if stored != 1 else ''} added as records."
    return note


def _read_pdf(record: Record) -> str:
    if record.size > MAX_PDF_BYTES:
        return "Too large to read; the file itself is kept."
    data = b"".join(storage.open_plaintext(record))
    _keep_text(record, imaging.pdf_text(data, limit=MAX_TEXT_CHARS))
    note_subject(record, from_text(record.text))
    try:
        save_preview(record, imaging.pdf_first_page_png(data))
    except imaging.NoPicture as problem:
        return str(problem)
    return "" if record.text.strip() else "No text found (a scan?); read the pages themselves."


def _read_photo(record: Record) -> str:
    with storage.plaintext_copy(record) as copy:
        try:
            save_preview(record, imaging.photo_png(copy))
        except imaging.NoPicture as problem:
            return str(problem)
    return ""


READERS = {
    "fhir_json": _read_fhir, "fhir_ndjson": _read_fhir, "pdf": _read_pdf,
    "jpeg": _read_photo, "png": _read_photo,
}


def _keep_text(record: Record, text: str) -> None:
    """Keep the text (NUL bytes are not storable), and guess the type from it unless a
    person has chosen it."""
    record.text = text.replace("\x00", "")
    changes = {"text": record.text}
    guess = None if record.type_confirmed else classify_text(record.text)
    if guess:
        changes["record_type"] = record.record_type = guess
    Record.objects.filter(id=record.id).update(**changes)


def save_preview(record: Record, png: bytes) -> Preview:
    """Store a record's picture, encrypted like the record; replaces an older one."""
    sealed = storage.seal_bytes(png)
    name = sealed.keep("previews")
    fields = dict(storage_name=name, wrapped_key=sealed.wrapped_key, key_id=sealed.key_id,
                  sha256=sealed.sha256, size=sealed.size)
    try:
        with transaction.atomic():
            old = Preview.objects.filter(record=record).values_list("storage_name",
                                                                     flat=True).first()
            preview, _ = Preview.objects.update_or_create(record=record, defaults=fields)
            if old:
                transaction.on_commit(lambda: storage.delete(old))
    except BaseException:
        storage.delete(name)  # never leave an orphan file behind
        raise
    return preview


def _drop_preview(record_id) -> None:
    old = Preview.objects.filter(record_id=record_id).first()
    if old is not None:
        old.delete()
        transaction.on_commit(lambda: storage.delete(old.storage_name))


@task()
def render_series_preview(series_id: int) -> str:
    """Draw the middle image of a series; run again if more images arrive meanwhile."""
    if not ImagingSeries.objects.filter(pk=series_id, preview_due=True).update(
            preview_due=False):
        return "not due"
    series = ImagingSeries.objects.get(pk=series_id)
    images = list(series.records.order_by("instance_number", "name").only("id", "kind"))
    if not images:
        return "no images"
    middle = Record.objects.get(pk=images[len(images) // 2].id)
    with storage.plaintext_copy(middle) as copy:
        try:
            png = imaging.dicom_png(copy)
        except imaging.NoPicture:
            return "no picture"
    save_preview(middle, png)
    ImagingSeries.objects.filter(pk=series_id).update(preview_record=middle)
    if series.preview_record_id and series.preview_record_id != middle.id:
        _drop_preview(series.preview_record_id)  # the old middle image's picture
    audit(None, "record.read", middle, case_id=middle.case_id)
    return "done"


def queue_reading(record: Record) -> None:
    """Ask the worker to read the record once the upload's transaction commits."""
    if record.kind not in READABLE:
        return
    Record.objects.filter(id=record.id).update(processing="queued")
    record.processing = "queued"
    transaction.on_commit(lambda: read_record.enqueue(str(record.id)))


def queue_series_preview(series_id: int) -> None:
    """Ask for the series' picture once; images arriving later ask again only if it has
    been drawn since (so a 500-image upload queues a handful of renderings, not 500)."""
    if ImagingSeries.objects.filter(pk=series_id, preview_due=False).update(preview_due=True):
        transaction.on_commit(lambda: render_series_preview.enqueue(series_id))


def unfinished_records():
    """Records whose reading is queued, or claimed by a worker that stopped."""
    stale = timezone.now() - STALE_CLAIM
    return Record.objects.filter(
        Q(processing="queued") | Q(processing="running", processing_claimed_at__lt=stale)
    )
