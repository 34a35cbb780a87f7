"""``manage.py serve``: gunicorn, the audit sealer and a worker with the production settings,
really serving.

On SQLite in a folder of its own whatever database the suite runs on (it tests the serving;
test_health.py and test_metrics.py run on both databases, test_layout.py several machines on
PostgreSQL)."""

import json
import os
import signal
import subprocess

import pytest

from consilium.operations import serving
from consilium.tests.test_settings import manage

from .served import (
    METRICS_TOKEN,
    PROXIED,
    get,
    started,
    stop,
    wait_for,
)


def test_serve_refuses_unapplied_migrations(tmp_path, deployed):
    result = manage("serve", tmp_path=tmp_path / "var", env=deployed)
    assert result.returncode != 0
    assert "migrations are not applied yet" in result.stderr and "manage.py migrate" in \
        result.stderr


def test_gunicorn_serves_the_app_with_a_worker(tmp_path, deployed):
    server, log, port = started(tmp_path, deployed, "--web-workers", "2", "--task-workers", "1")
    try:
        assert json.loads(get(port, "/health/")[1])["storage"] == "ok"
        status, body = get(port, "/login/", **PROXIED)  # through the TLS proxy
        assert status == 200 and b"Sign in" in body
        assert get(port, "/invitations/a-secret-invitation-token/", **PROXIED)[0] == 404
        status, metrics = get(port, "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert status == 200 and b'route="login"' in metrics
        wait_for(lambda: "Starting worker" in log.read_text())  # db_worker beside gunicorn
        # and the audit sealer, to which gunicorn's workers leave the sealing
        wait_for(lambda: "Sealing the audit trail every 1 s." in log.read_text())
    finally:
        stopped = stop(server)
    assert stopped == 0  # asked to stop: every process ended cleanly
    written = log.read_text()
    assert '"route": "login"' in written  # the request lines, as JSON
    assert "a-secret-invitation-token" not in written


def test_when_a_process_ends_on_its_own_serve_stops_the_rest_and_exits_1(tmp_path, deployed):
    """The service manager then restarts the whole (docs/deploy.md, "Serving")."""
    server, log, port = started(tmp_path, deployed, "--web-workers", "1", "--task-workers", "0")
    try:
        wait_for(lambda: "Sealing the audit trail" in log.read_text())
        sealer = subprocess.run(["pgrep", "-P", str(server.pid), "-f", "seal_audit"],
                                capture_output=True, text=True).stdout.split()
        assert len(sealer) == 1
        os.kill(int(sealer[0]), signal.SIGKILL)
        assert server.wait(timeout=60) == 1
    finally:
        if server.poll() is None:
            stop(server)
    with pytest.raises(OSError):  # gunicorn was stopped with it
        get(port, "/health/")


def test_health_answers_503_when_the_database_cannot_be_reached(tmp_path, deployed):
    """A real process whose database does not answer (nothing listens on its port)."""
    env = {**deployed, "DATABASE_URL": "postgresql://consilium@127.0.0.1:9/consilium"}
    probe = ("from django.test import Client; answer = Client().get('/health/'); "
             "print(answer.status_code, answer.content.decode())")
    result = manage("shell", "-c", probe, tmp_path=tmp_path / "var", env=env)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"database": "failing", "storage": "ok", "tasks": None,
                                "audit": None}


@pytest.mark.parametrize("value,message", [
    ("0", "CONSILIUM_WEB_CONNECTIONS must be at least 1"),
    ("ten", "CONSILIUM_WEB_CONNECTIONS must be a whole number"),
])
def test_a_sloppy_connection_limit_is_refused(monkeypatch, value, message):
    monkeypatch.setenv("CONSILIUM_WEB_CONNECTIONS", value)
    with pytest.raises(SystemExit, match=message):
        serving.web_connections()


def test_the_connection_limit_defaults_to_gunicorns(monkeypatch):
    monkeypatch.delenv("CONSILIUM_WEB_CONNECTIONS", raising=False)
    assert serving.web_connections() == 1000
    monkeypatch.setenv("CONSILIUM_WEB_CONNECTIONS", " 6 ")
    assert serving.web_connections() == 6
