"""Background reading of uploaded records (run by ``manage.py db_worker``)."""

from django.db import transaction
from django_tasks import task

from . import storage
from .fhir_import import import_record
from .models import Record

MAX_FHIR_BYTES = 512 * 1024**2


@task()
def read_record(record_id: str) -> str:
    return read_fhir(record_id)


def read_fhir(record_id: str) -> str:
    """Import a FHIR record's clinical entries; the outcome is noted on the record."""
    # Claim the work; a second worker finding it claimed leaves it alone.
    if not Record.objects.filter(id=record_id, processing="queued").update(
        processing="running"
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
    return "done"


def queue_reading(record: Record) -> None:
    """Ask the worker to read the record once the upload's transaction commits."""
    Record.objects.filter(id=record.id).update(processing="queued")
    record.processing = "queued"
    transaction.on_commit(lambda: read_record.enqueue(str(record.id)))
