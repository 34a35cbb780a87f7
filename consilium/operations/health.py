"""What a load balancer and a monitor ask of each web process: can it reach the database and
the record storage, and how far behind are the background workers and the audit sealer.
Cheap, read-only, and about the installation only: counts and ages, never health data, IDs or
an audit row's content."""

import logging
import os
from dataclasses import dataclass

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consilium.audit.models import AuditEntry

logger = logging.getLogger(__name__)
# A storage name no file ever has (files are records/<hex>.enc, previews/…): asking whether it
# exists is one cheap request to S3, and nothing is written.
PROBE_NAME = "health/probe"


@dataclass(frozen=True)
class Backlog:
    """Work waiting (tasks for a worker, audit rows for the sealer), and how long the oldest
    has waited (None: none waits)."""

    queued: int
    oldest_seconds: int | None

    @classmethod
    def of(cls, queued: int, oldest) -> "Backlog":
        return cls(queued, None if oldest is None else
                   max(0, int((timezone.now() - oldest).total_seconds())))


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("Health: the database cannot be reached", exc_info=True)
        return False


def storage_ok() -> bool:
    """The local folder can be written (made, as the first upload would, if there is none
    yet); the S3 bucket answers a HEAD request (one cheap call, nothing written)."""
    try:
        if isinstance(default_storage, FileSystemStorage):
            folder = default_storage.location
            os.makedirs(folder, mode=0o700, exist_ok=True)
            return os.access(folder, os.W_OK | os.X_OK)
        bucket = getattr(default_storage, "bucket_name", None)
        if bucket:  # django-storages' S3: a missing bucket or a refused key raises
            s3 = default_storage.connection  # type: ignore[attr-defined]
            s3.meta.client.head_bucket(Bucket=bucket)
        else:
            default_storage.exists(PROBE_NAME)
        return True
    except Exception:  # whatever the storage's client raises (boto's, the network's)
        logger.warning("Health: the record storage cannot be reached", exc_info=True)
        return False


def task_queue() -> Backlog:
    """One query on django-tasks' partial index of ready tasks."""
    waiting = DBTaskResult.objects.ready().aggregate(queued=Count("id"),
                                                     oldest=Min("enqueued_at"))
    return Backlog.of(waiting["queued"], waiting["oldest"])


def audit_backlog() -> Backlog:
    """The audit rows not sealed into the chain yet: a few, seconds old, while the sealer
    keeps up. Two reads of the partial index of pending rows (their number, and the first
    appended), quick however many wait when no sealer runs."""
    pending = AuditEntry.objects.pending()
    oldest = pending.order_by("id").values_list("at", flat=True).first()
    return Backlog.of(pending.count() if oldest else 0, oldest)


def report() -> tuple[bool, dict]:
    """Whether this process can serve (database and storage reachable), and the details."""
    database, storage = database_ok(), storage_ok()
    tasks = audit = None
    if database:
        try:
            queue, pending = task_queue(), audit_backlog()
            tasks = {"queued": queue.queued, "oldest_seconds": queue.oldest_seconds}
            audit = {"pending": pending.queued, "oldest_seconds": pending.oldest_seconds}
        except DatabaseError:
            logger.warning("Health: the task queue cannot be read", exc_info=True)
    return database and storage, {"database": "ok" if database else "failing",
                                  "storage": "ok" if storage else "failing", "tasks": tasks,
                                  "audit": audit}
