"""Starting ``manage.py serve`` as a deployer would, and speaking HTTP to it: the helpers of
test_serve.py and test_layout.py."""

import http.client
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from consilium.tests.test_settings import ROOT, manage, production_environment

METRICS_TOKEN = "metrics-token-for-the-serving-test-0123456789"
# What the TLS proxy in front adds: its scheme, the public host name, the client's address.
PROXIED = {"Host": "opinions.example", "X-Forwarded-Proto": "https",
           "X-Forwarded-For": "203.0.113.9"}


def deployed_environment(tmp_path: Path) -> dict[str, str]:
    """A production environment, as docs/deploy.md sets one (the static files hashed but
    not compressed: served_settings.py)."""
    secret = tmp_path / "secret_key"
    secret.write_text("a-long-random-production-secret-key-0123456789-0123456789")
    return {
        "DJANGO_SETTINGS_MODULE": "consilium.operations.tests.served_settings",
        "CONSILIUM_SECRET_KEY_FILE": str(secret),
        "CONSILIUM_ALLOWED_HOSTS": "opinions.example", "CONSILIUM_BEHIND_PROXY": "1",
        "CONSILIUM_AUDIT_ANCHOR": str(tmp_path / "audit-anchor.log"),
        "CONSILIUM_METRICS_TOKEN": METRICS_TOKEN, "CONSILIUM_LOG_FORMAT": "json",
    }


def install(var: Path, env: dict) -> None:
    """A machine's steps before serving: the database's tables, the static files."""
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        done = manage(*step, tmp_path=var, env=env)
        assert done.returncode == 0, done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port, path, method="GET", body=None, **headers) -> http.client.HTTPResponse:
    """One request; the answer read (``.body``), redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        return response
    finally:
        connection.close()


def get(port, path, **headers) -> tuple[int, bytes]:
    response = call(port, path, **headers)
    return response.status, response.body  # type: ignore[attr-defined]


def wait_for(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.3)


def serve(var: Path, env: dict, log: Path, *options: str) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen([sys.executable, "manage.py", "serve", *options], cwd=ROOT,
                                env=production_environment(var, env), stdout=output,
                                stderr=subprocess.STDOUT)


def started(tmp_path: Path, env: dict, *options: str) -> tuple[subprocess.Popen, Path, int]:
    """One machine installed and ``manage.py serve`` answering on a port of its own: the
    server, its log and the port."""
    var, log, port = tmp_path / "var", tmp_path / "serve.log", free_port()
    install(var, env)
    server = serve(var, env, log, "--bind", f"127.0.0.1:{port}", *options)
    try:
        wait_for(lambda: answering(port, server))
    except BaseException:
        if server.poll() is None:  # none left running by a test that failed here
            stop(server)
        raise
    return server, log, port


def answering(port, server) -> bool:
    assert server.poll() is None, "manage.py serve stopped"
    try:
        return get(port, "/health/")[0] == 200
    except OSError:
        return False


def stop(server: subprocess.Popen) -> int:
    server.send_signal(signal.SIGTERM)
    return server.wait(timeout=60)
