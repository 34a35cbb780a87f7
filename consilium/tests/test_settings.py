"""Production settings, checked in fresh processes with only the environment a deployer sets."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, env=None, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONSILIUM_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django sets the test settings
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it
    clean.update({"CONSILIUM_VAR_DIR": str(tmp_path)}, **(env or {}))
    clean.setdefault("CONSILIUM_AUDIT_KEY", os.environ.get("CONSILIUM_AUDIT_KEY", ""))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x" * 20 + "a-long-random-production-secret-key-0123456789")
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, env={
        "CONSILIUM_SECRET_KEY_FILE": str(secret), "CONSILIUM_ALLOWED_HOSTS": "opinions.example",
        "CONSILIUM_AUDIT_ANCHOR": str(tmp_path.parent / f"{tmp_path.name}-audit-anchor.log"),
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_with_nothing_set_the_settings_are_safe(tmp_path):
    code = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
            " s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS, len(s.SECRET_KEY) >= 50)")
    result = manage("shell", "-c", code, tmp_path=tmp_path)
    assert result.stdout.split("\n")[-2] == "False True True True True [] True"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_bad_boolean_is_refused(tmp_path):
    result = manage("check", tmp_path=tmp_path, env={"CONSILIUM_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "CONSILIUM_DEBUG must be a boolean" in result.stderr


def test_demo_data_is_refused_without_debug(tmp_path):
    manage("migrate", "--noinput", tmp_path=tmp_path)
    result = manage("load_demo", tmp_path=tmp_path)
    assert result.returncode != 0 and "CONSILIUM_DEBUG=1" in result.stderr


@pytest.mark.parametrize("header", ["Content-Security-Policy", "Strict-Transport-Security",
                                    "X-Content-Type-Options", "Referrer-Policy"])
def test_pages_carry_security_headers(client, settings, header):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert header in response.headers
    if header == "Content-Security-Policy":
        assert "script-src 'self'" in response.headers[header]


def test_without_an_audit_key_production_refuses_to_start(tmp_path):
    result = manage("check", tmp_path=tmp_path, env={"CONSILIUM_AUDIT_KEY": ""})
    assert result.returncode != 0
    assert "CONSILIUM_AUDIT_KEY (or CONSILIUM_AUDIT_KEY_FILE) must be set" in result.stderr
    assert not (tmp_path / "audit_key").exists()


def test_debug_generates_an_owner_only_audit_key_and_anchors_in_var(tmp_path):
    code = "from django.conf import settings as s; print(s.AUDIT_ANCHOR)"
    result = manage("shell", "-c", code, tmp_path=tmp_path,
                    env={"CONSILIUM_AUDIT_KEY": "", "CONSILIUM_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(tmp_path / "audit-anchor.log")
    assert stat.S_IMODE((tmp_path / "audit_key").stat().st_mode) == 0o600


def test_check_deploy_fails_without_an_audit_anchor(tmp_path):
    result = manage("check", "--deploy", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "(audit.E001) CONSILIUM_AUDIT_ANCHOR is not set" in result.stderr
