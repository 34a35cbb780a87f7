"""Production settings, checked in fresh processes with only the environment a deployer sets."""

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from consilium.tests.settings import TEST_MASTER_KEY

ROOT = Path(__file__).resolve().parents[2]


def production_environment(tmp_path, env=None) -> dict[str, str]:
    """Only what a deployer sets: no test settings, SQLite in ``tmp_path``, the given ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONSILIUM_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django sets the test settings
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it
    clean.update({"CONSILIUM_VAR_DIR": str(tmp_path)}, **(env or {}))
    # Production generates no keys; a deployer sets them (env may unset one: "").
    clean.setdefault("CONSILIUM_MASTER_KEY", TEST_MASTER_KEY)
    clean.setdefault("CONSILIUM_AUDIT_KEY", os.environ.get("CONSILIUM_AUDIT_KEY", ""))
    return clean


def manage(*args, env=None, tmp_path):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                          env=production_environment(tmp_path, env),
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


def test_without_a_master_key_production_refuses_to_start(tmp_path):
    result = manage("check", tmp_path=tmp_path, env={"CONSILIUM_MASTER_KEY": ""})
    assert result.returncode != 0
    assert "CONSILIUM_MASTER_KEY (or CONSILIUM_MASTER_KEY_FILE" in result.stderr
    assert "python3 -c 'import base64, secrets;" in result.stderr  # how to make one
    assert not (tmp_path / "master_key").exists()


def test_a_master_key_an_earlier_install_generated_is_named(tmp_path):
    (tmp_path / "master_key").write_text(TEST_MASTER_KEY)
    result = manage("check", tmp_path=tmp_path, env={"CONSILIUM_MASTER_KEY": ""})
    assert result.returncode != 0
    assert f"{tmp_path / 'master_key'} holds the master key" in result.stderr
    assert "set CONSILIUM_MASTER_KEY_FILE to its new path" in result.stderr


def test_the_master_key_is_read_from_its_file(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "master_key").write_text(TEST_MASTER_KEY + "\n")
    code = "from django.conf import settings as s; print(s.RECORDS_MASTER_KEYS)"
    result = manage("shell", "-c", code, tmp_path=tmp_path / "var", env={
        "CONSILIUM_MASTER_KEY": "", "CONSILIUM_MASTER_KEY_FILE": str(keys / "master_key")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str([TEST_MASTER_KEY])


def test_debug_still_generates_a_master_key_for_development(tmp_path):
    result = manage("check", tmp_path=tmp_path, env={"CONSILIUM_MASTER_KEY": "",
                                                     "CONSILIUM_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "master_key").stat().st_mode) == 0o600


def test_the_var_folder_and_the_database_are_owner_only(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)  # as an earlier install left it
    assert manage("migrate", "--noinput", tmp_path=var).returncode == 0
    # While a connection is open (and has written), the -wal and -shm files exist too.
    code = ("import os, stat; from django.contrib.auth.models import Group; "
            "Group.objects.create(name='x'); d = os.environ['CONSILIUM_VAR_DIR']; "
            "print({n: oct(stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode)) "
            "for n in os.listdir(d) if n.startswith('consilium.sqlite3')})")
    result = manage("shell", "-c", code, tmp_path=var)
    modes = ast.literal_eval(result.stdout.splitlines()[-1])
    assert "consilium.sqlite3-wal" in modes, result.stdout + result.stderr
    assert set(modes.values()) == {"0o600"}, modes
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "tmp").stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600


def test_a_database_an_earlier_install_left_readable_is_tightened(tmp_path):
    manage("migrate", "--noinput", tmp_path=tmp_path)
    (tmp_path / "consilium.sqlite3").chmod(0o644)
    manage("shell", "-c", "from django.db import connection; connection.ensure_connection()",
           tmp_path=tmp_path)
    assert stat.S_IMODE((tmp_path / "consilium.sqlite3").stat().st_mode) == 0o600


@pytest.mark.parametrize("backend", ["console", "filebased"])
def test_email_written_to_a_log_is_refused_in_production(tmp_path, backend):
    result = manage("check", "--deploy", tmp_path=tmp_path, env={
        "CONSILIUM_EMAIL_BACKEND": f"django.core.mail.backends.{backend}.EmailBackend",
        "CONSILIUM_EMAIL_FILE_PATH": str(tmp_path / "mail")})
    assert result.returncode != 0
    assert "writes every email, with its reset, invitation and report links" in result.stderr


def test_email_goes_by_smtp_in_production_and_to_the_console_in_debug(tmp_path):
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND)"
    production = manage("shell", "-c", code, tmp_path=tmp_path)
    debug = manage("shell", "-c", code, tmp_path=tmp_path, env={"CONSILIUM_DEBUG": "1"})
    assert production.stdout.splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend"
    assert debug.stdout.splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"


def test_check_deploy_fails_on_a_master_key_kept_with_the_data(tmp_path):
    (tmp_path / "master_key").write_text(TEST_MASTER_KEY)
    (tmp_path / "master_key").chmod(0o644)
    result = manage("check", "--deploy", tmp_path=tmp_path, env={
        "CONSILIUM_MASTER_KEY": "", "CONSILIUM_MASTER_KEY_FILE": str(tmp_path / "master_key")})
    assert result.returncode != 0
    assert "(storage.E003) The record-encryption master key" in result.stderr
    assert "(storage.E004)" in result.stderr


def test_the_data_at_rest_checks_fail_on_folders_and_files_others_can_read(settings, tmp_path):
    from django.core import checks

    settings.VAR_DIR = tmp_path
    tmp_path.chmod(0o755)
    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "storage.E001" in [error.id for error in errors]
    tmp_path.chmod(0o700)
    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "storage.E001" not in [error.id for error in errors]


def test_the_email_check_is_a_deploy_error(settings):
    from django.core import checks

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert [e.level for e in errors if e.id == "email.E001"] == [checks.ERROR]
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert [e.id for e in errors if e.id.startswith("email.")] == ["email.W001"]


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


def test_check_deploy_fails_on_a_generated_secret_key(tmp_path):
    result = manage("check", "--deploy", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "(storage.E005) Django's secret key was generated" in result.stderr


def test_check_deploy_fails_without_an_audit_anchor(tmp_path):
    result = manage("check", "--deploy", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "(audit.E001) CONSILIUM_AUDIT_ANCHOR is not set" in result.stderr


def test_a_server_error_is_not_mailed_with_its_request():
    """Django's default config would mail each 500, POST data included, to ADMINS."""
    import logging

    from django.utils.log import AdminEmailHandler

    for name in ["django", "django.request", "django.security", ""]:
        handlers = logging.getLogger(name).handlers
        assert not [h for h in handlers if isinstance(h, AdminEmailHandler)], name
