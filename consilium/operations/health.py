"""What a load balancer and a monitor ask of each web process: can it reach the database and
the record storage, and how far behind are the background workers. Cheap, read-only, and
about the installation only: no health data, no IDs, no audit rows."""

import logging
import os
from dataclasses import dataclass

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)
# A storage name no file ever has (files are records/<hex>.enc, previews/…): asking whether it
# exists is one cheap request to S3, and nothing is written.
PROBE_NAME = "health/probe"


@dataclass(frozen=True)
class TaskQueue:
    """Tasks waiting for a worker, and how long the oldest has waited (None: none waits)."""

    queued: int
    oldest_seconds: int | None


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


def task_queue() -> TaskQueue:
    """One query on django-tasks' partial index of ready tasks."""
    waiting = DBTaskResult.objects.ready().aggregate(queued=Count("id"),
                                                     oldest=Min("enqueued_at"))
    oldest = waiting["oldest"]
    return TaskQueue(waiting["queued"], None if oldest is None else
                     max(0, int((timezone.now() - oldest).total_seconds())))


def report() -> tuple[bool, dict]:
    """Whether this process can serve (database and storage reachable), and the details."""
    database, storage = database_ok(), storage_ok()
    tasks = None
    if database:
        try:
            queue = task_queue()
            tasks = {"queued": queue.queued, "oldest_seconds": queue.oldest_seconds}
        except DatabaseError:
            logger.warning("Health: the task queue cannot be read", exc_info=True)
    return database and storage, {"database": "ok" if database else "failing",
                                  "storage": "ok" if storage else "failing", "tasks": tasks}
