"""Background reading of uploaded records (run by ``manage.py db_worker``)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from consilium.audit.trail import record as audit

from . import storage
from .fhir_import import import_record
from .models import Record

MAX_FHIR_BYTES = 512 * 1024**2
# A claim older than this belongs to a worker that stopped; the work may be taken over.
STALE_CLAIM = timedelta(minutes=30)


@task()
def read_record(record_id: str) -> str:
    return read_fhir(record_id)


def read_fhir(record_id: str) -> str:
    """Import a FHIR record's clinical entries; the outcome is noted on the record."""
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
        if record.size > MAX_FHIR_BYTES:
            raise ValueError("the file is too large to read as one FHIR record")
        report = import_record(record, b"".join(storage.open_plaintext(record)))
    except Exception as problem:  # noted on the record for people to see; never re-raised
        Record.objects.filter(id=record_id).update(
            processing="failed", processing_note=f"Could not read this record: {problem}"
        )
        return "failed"
    Record.objects.filter(id=record_id).update(processing="done",
                                               processing_note=report.note())
    # The system wrote health data (the entries): that is audited like any write.
    audit(None, "record.import", record, case_id=record.case_id)
    return "done"


def queue_reading(record: Record) -> None:
    """Ask the worker to read the record once the upload's transaction commits."""
    Record.objects.filter(id=record.id).update(processing="queued")
    record.processing = "queued"
    transaction.on_commit(lambda: read_record.enqueue(str(record.id)))


def unfinished_records():
    """Records whose reading is queued, or claimed by a worker that stopped."""
    stale = timezone.now() - STALE_CLAIM
    return Record.objects.filter(
        Q(processing="queued") | Q(processing="running", processing_claimed_at__lt=stale)
    )
