"""/health/: what a load balancer reads of each web process, on the real database and storage
(a local folder, and moto's S3 server)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from consilium.audit.models import AuditEntry
from consilium.audit.trail import record, seal
from consilium.records.tasks import read_record
from consilium.records.tests.test_s3 import KEYS, bucket, s3_endpoint  # noqa: F401  (fixtures)

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_a_healthy_process_answers_200_and_writes_nothing(db, client):
    before = AuditEntry.objects.count()
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok",
                               "tasks": {"queued": 0, "oldest_seconds": None},
                               "audit": {"pending": 0, "oldest_seconds": None}}
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.count() == before  # it reads no health data: nothing audited


def test_the_task_queue_is_told_with_its_oldest_wait(db, client):
    with time_machine.travel(NOON, tick=False) as clock:
        read_record.enqueue("0" * 32)
        clock.shift(timedelta(seconds=30))
        read_record.enqueue("1" * 32)
        clock.shift(timedelta(seconds=60))
        tasks = client.get("/health/").json()["tasks"]
    assert tasks == {"queued": 2, "oldest_seconds": 90}


def test_the_audit_rows_waiting_for_the_sealer_are_told(db, client, users):
    seal()
    with time_machine.travel(NOON, tick=False) as clock:
        record(users["patient"], "user.view", users["physician"])
        clock.shift(timedelta(seconds=3))
        record(users["patient"], "user.view", users["physician"])
        clock.shift(timedelta(seconds=2))
        assert client.get("/health/").json()["audit"] == {"pending": 2, "oldest_seconds": 5}
    seal()
    assert client.get("/health/").json()["audit"] == {"pending": 0, "oldest_seconds": None}


def test_a_load_balancer_may_probe_by_address_over_plain_http(db, settings):
    """Before the host check and the HTTPS redirect: a probe of 10.0.0.5 is answered."""
    settings.SECURE_SSL_REDIRECT, settings.ALLOWED_HOSTS = True, ["opinions.example"]
    probe = Client(HTTP_HOST="10.0.0.5:8000")
    assert probe.get("/health/").status_code == 200
    assert probe.head("/health/").status_code == 200
    assert probe.get("/login/").status_code == 400  # everything else still checks the host


def test_other_methods_are_refused(db, client):
    assert client.post("/health/").status_code == 405


def test_storage_that_cannot_be_written_answers_503(db, client, settings, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "not-a-folder" / "files")}}}
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["storage"] == "failing" and response.json()["database"] == "ok"


def test_the_s3_bucket_is_reached(db, client, bucket):  # noqa: F811
    assert client.get("/health/").json()["storage"] == "ok"


def test_a_missing_s3_bucket_answers_503(db, client, settings, s3_endpoint):  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "consilium-no-such-bucket", "endpoint_url": s3_endpoint,
                    "region_name": "us-east-1", **KEYS}}}
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["storage"] == "failing"


@pytest.mark.parametrize("path", ["/health/", "/metrics"])
def test_neither_starts_a_session(db, client, path):
    client.get(path)
    assert "sessionid" not in client.cookies
