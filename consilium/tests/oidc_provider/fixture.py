"""The ``oidc_provider`` fixture: the test identity provider (see __init__.py) in a second
process for the test session, registered with Consilium's live server as its client."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = "consilium.tests.oidc_provider.settings"
CLIENT_ID = "consilium-under-test"
PASSWORD = "the hospital password"


@dataclass
class Provider:
    issuer: str
    folder: Path
    client_secret: str

    def person(self, username: str, *, email: str, email_verified=True, amr=("pwd",),
               sub: str | None = None, deny: bool = False) -> str:
        """Let ``username`` sign in at the provider (password PASSWORD) and say what it
        claims about them; returns their subject (``sub``)."""
        path = self.folder / "people.json"
        people = json.loads(path.read_text()) if path.exists() else {}
        people[username] = {"password": PASSWORD, "sub": sub or f"sub-{username}",
                            "email": email, "email_verified": email_verified,
                            "amr": list(amr) if amr is not None else None, "deny": deny}
        path.write_text(json.dumps(people))
        return people[username]["sub"]

    def consilium_settings(self, name="St Mary's account") -> dict:
        """Consilium's SOCIALACCOUNT_PROVIDERS for this provider (as settings.py builds it
        from CONSILIUM_OIDC_*, which refuses a plain-http issuer outside DEBUG)."""
        return {"openid_connect": {"APPS": [{
            "provider_id": "hospital", "name": name, "client_id": CLIENT_ID,
            "secret": self.client_secret,
            "settings": {"server_url": self.issuer, "oauth_pkce_enabled": True},
        }]}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rsa_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the test identity provider did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    pytest.importorskip("oauth2_provider",
                        reason="django-oauth-toolkit (pyproject.toml's test extras) is missing")
    folder = tmp_path_factory.mktemp("oidc-provider")
    (folder / "key.pem").write_text(_rsa_key_pem())
    secret = secrets.token_urlsafe(32)
    (folder / "client_secret").write_text(secret)
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CONSILIUM_", "DATABASE_URL", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS, OIDC_TEST_PROVIDER_DIR=str(folder),
               OIDC_TEST_PROVIDER_PORT=str(port))
    django = [sys.executable, "-m", "django"]
    for command in (["migrate", "--noinput", "-v", "0"],
                    ["oidc_test_client", "--client-id", CLIENT_ID,
                     "--secret-file", str(folder / "client_secret"),
                     "--redirect-uri", f"{live_server.url}/login/sso/hospital/callback/"]):
        subprocess.run(django + command, env=env, cwd=ROOT, check=True, capture_output=True)
    log = folder / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(django + ["runserver", f"127.0.0.1:{port}", "--noreload"],
                                   env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        _wait_until_up(f"{issuer}/.well-known/openid-configuration", process, log)
        yield Provider(issuer, folder, secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
