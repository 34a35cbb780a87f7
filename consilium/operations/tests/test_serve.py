"""``manage.py serve``: gunicorn and a worker with the production settings, really serving.

On SQLite in a folder of its own whatever database the suite runs on (it tests the serving;
test_health.py and test_metrics.py run on both databases)."""

import http.client
import json
import signal
import socket
import subprocess
import sys
import time

import pytest

from consilium.tests.test_settings import ROOT, manage, production_environment

METRICS_TOKEN = "metrics-token-for-the-serving-test-0123456789"


@pytest.fixture
def deployed(tmp_path):
    """A production environment, as docs/deploy.md sets one (with the static files hashed
    but not compressed: served_settings.py)."""
    secret = tmp_path / "secret_key"
    secret.write_text("a-long-random-production-secret-key-0123456789-0123456789")
    return {
        "DJANGO_SETTINGS_MODULE": "consilium.operations.tests.served_settings",
        "CONSILIUM_SECRET_KEY_FILE": str(secret),
        "CONSILIUM_ALLOWED_HOSTS": "opinions.example", "CONSILIUM_BEHIND_PROXY": "1",
        "CONSILIUM_AUDIT_ANCHOR": str(tmp_path / "audit-anchor.log"),
        "CONSILIUM_METRICS_TOKEN": METRICS_TOKEN, "CONSILIUM_LOG_FORMAT": "json",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, **headers) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def answering(port, server) -> bool:
    assert server.poll() is None, "manage.py serve stopped"
    try:
        return get(port, "/health/")[0] == 200
    except OSError:
        return False


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.3)


def test_serve_refuses_unapplied_migrations(tmp_path, deployed):
    result = manage("serve", tmp_path=tmp_path / "var", env=deployed)
    assert result.returncode != 0
    assert "migrations are not applied yet" in result.stderr and "manage.py migrate" in \
        result.stderr


def test_gunicorn_serves_the_app_with_a_worker(tmp_path, deployed):
    var = tmp_path / "var"
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        done = manage(*step, tmp_path=var, env=deployed)
        assert done.returncode == 0, done.stderr
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--bind", f"127.0.0.1:{port}",
             "--web-workers", "2", "--task-workers", "1"],
            cwd=ROOT, env=production_environment(var, deployed), stdout=output,
            stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: answering(port, server))
        assert json.loads(get(port, "/health/")[1])["storage"] == "ok"
        # Through the TLS proxy (its header, the public host name): the sign-in page.
        proxied = {"Host": "opinions.example", "X-Forwarded-Proto": "https",
                   "X-Forwarded-For": "203.0.113.9"}
        status, body = get(port, "/login/", **proxied)
        assert status == 200 and b"Sign in" in body
        assert get(port, "/invitations/a-secret-invitation-token/", **proxied)[0] == 404
        status, metrics = get(port, "/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert status == 200 and b'route="login"' in metrics
        wait_for(lambda: "Starting worker" in log.read_text())  # db_worker beside gunicorn
    finally:
        server.send_signal(signal.SIGTERM)
        stopped = server.wait(timeout=60)
    assert stopped == 0  # asked to stop: every process ended cleanly
    written = log.read_text()
    assert '"route": "login"' in written  # the request lines, as JSON
    assert "a-secret-invitation-token" not in written
