"""Second factors on allauth.mfa (issue #21): recovery codes shown once, each working once and
all replaced when new ones are made; a member sees and removes their own authenticators, and
staff keep at least one; staff without a second factor reach nothing (their first one is set
up on an administrator's link: test_staff_invitations.py); patients are not made to set one
up but may; django-otp's devices carry over.
Real allauth.mfa rows, the real pages, real codes."""

import importlib
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps

from consilium.accounts.mfa import SESSION_KEY
from consilium.audit.models import AuditEntry
from consilium.conftest import PASSWORD, app_code, authenticator_app

pytestmark = pytest.mark.django_db


def _sign_in(client, username):
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302


def _rows(prefix="mfa."):
    return list(AuditEntry.objects.filter(action__startswith=prefix).order_by("id")
                .values_list("action", "actor__username"))


def _enrol(client, users, username="coordinator"):
    """Set up an authenticator app on a set-up link, as a member would (keeping their
    password); signed in, the recovery codes shown."""
    from consilium.accounts.actions import do_send_setup_link

    _, link = do_send_setup_link(users[username], acting_user=users["admin"])
    path = "/" + link.split("/", 3)[3]
    assert client.post(path, {"first_name": username, "password1": PASSWORD,
                              "password2": PASSWORD}).status_code == 302
    page = client.get(path).content.decode()
    secret = page.split("Key: <code>")[1].split("</code>")[0]
    done = client.post(path,
                       {"code": format_hotp_value(hotp_value(secret, int(time.time()) // 30))})
    assert done.status_code == 302
    return client.get(done.url)


def _codes(page) -> list[str]:
    text = page.content.decode()
    return [part.split("</code>")[0] for part in text.split('<li><code>')[1:]]


def test_recovery_codes_are_shown_once_and_each_works_once(client, users):
    shown = _enrol(client, users)
    codes = _codes(shown)
    assert len(codes) == 10 and all(len(c) == 8 and c.isdigit() for c in codes)
    assert "shown only this once" in shown.content.decode()
    again = client.get("/account/two-factor/recovery-codes/")
    assert _codes(again) == [] and not any(c in again.content.decode() for c in codes)
    assert "10 unused recovery codes" in again.content.decode()

    client.logout()
    _sign_in(client, "coordinator")
    used = client.post("/account/two-factor/?next=/queue/", {"recovery_code": codes[0]})
    assert used.status_code == 302 and used.url == "/queue/"
    assert client.get("/queue/").status_code == 200
    client.logout()
    _sign_in(client, "coordinator")
    twice = client.post("/account/two-factor/", {"recovery_code": codes[0]})
    assert twice.status_code == 422 and "already used" in twice.content.decode()
    assert client.get("/queue/").status_code == 302
    assert client.post("/account/two-factor/", {"recovery_code": codes[1]}).status_code == 302
    assert ("mfa.recovery_codes.use", "coordinator") in _rows()


def test_new_recovery_codes_replace_the_old_ones(client, users):
    old = _codes(_enrol(client, users))
    new = _codes(client.post("/account/two-factor/recovery-codes/"))
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    _sign_in(client, "coordinator")
    assert client.post("/account/two-factor/", {"recovery_code": old[2]}).status_code == 422
    assert client.post("/account/two-factor/", {"recovery_code": new[2]}).status_code == 302
    assert [a for a, _ in _rows()] == ["mfa.totp.activate", "mfa.recovery_codes.generate",
                                       "mfa.recovery_codes.generate", "mfa.recovery_codes.use"]


def test_hostile_recovery_codes(client, users):
    authenticator_app(users["coordinator"])
    RecoveryCodes.activate(users["coordinator"])
    _sign_in(client, "coordinator")
    for code in ("", "   ", "1234567", "123456789", "abcdefgh", "１２３４５６７８", "0" * 5000,
                 "00000000"):
        response = client.post("/account/two-factor/", {"recovery_code": code})
        assert response.status_code == 422, code
    assert client.get("/queue/").status_code == 302
    assert not _rows("mfa.recovery_codes.use")


def test_a_member_sees_their_own_and_keeps_the_last_one(client, users, login):
    coordinator = users["coordinator"]
    login(coordinator)
    app = Authenticator.objects.get(user=coordinator, type="totp")
    page = client.get("/account/two-factor/devices/").content.decode()
    assert "Authenticator app" in page and f"/devices/{app.pk}/remove/" in page
    # Another person's authenticator is not theirs to remove.
    other = authenticator_app(users["specialist"])
    assert client.post(f"/account/two-factor/devices/{other.pk}/remove/").status_code == 404
    assert Authenticator.objects.filter(pk=other.pk).exists()
    # Their only one stays (they could not sign in again): they add another first.
    kept = client.post(f"/account/two-factor/devices/{app.pk}/remove/", follow=True)
    assert "This is your only second factor" in kept.content.decode()
    assert Authenticator.objects.filter(pk=app.pk).exists()
    assert client.get("/queue/").status_code == 200
    # Recovery codes alone may go; the app stays.
    codes = RecoveryCodes.activate(coordinator).instance
    assert client.post(f"/account/two-factor/devices/{codes.pk}/remove/").status_code == 302
    assert not Authenticator.objects.filter(pk=codes.pk).exists()
    assert _rows() == [("mfa.recovery_codes.remove", "coordinator")]


def test_staff_without_a_second_factor_reach_nothing(client, users, journey):
    case, _ = journey("submitted")
    client.force_login(users["coordinator"])  # a password alone is refused: test_sign_in.py
    for path in ("/queue/", f"/cases/{case.id}/", "/account/", "/account/email/",
                 "/account/two-factor/devices/", "/account/two-factor/recovery-codes/",
                 "/specialists/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/account/two-factor/?"), path
    assert client.get("/api/v1/cases").status_code == 403
    assert client.post("/account/", {"name": "mine", "days": 30}).status_code == 302
    step = client.get("/account/two-factor/")
    assert step.status_code == 403 and "set-up link" in step.content.decode()
    assert "Scan this code" not in step.content.decode()
    assert not Authenticator.objects.filter(user=users["coordinator"]).exists()


def test_patients_are_not_made_to_set_one_up_but_may(client, users):
    _sign_in(client, "patient")
    assert client.get("/cases/").status_code == 200
    assert "no second factor" in client.get("/account/two-factor/devices/").content.decode()
    page = client.get("/account/two-factor/").content.decode()
    assert "Scan this code" in page
    secret = page.split("Key: <code>")[1].split("</code>")[0]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert client.post("/account/two-factor/", {"code": code}).status_code == 302
    assert client.get("/cases/").status_code == 200
    # Having added one, the patient passes it at the next sign-in too.
    client.logout()
    _sign_in(client, "patient")
    assert client.get("/cases/").status_code == 302
    app = Authenticator.objects.get(user=users["patient"], type="totp")
    assert client.post("/account/two-factor/", {"code": app_code(app, offset=1)}).status_code \
        == 302
    assert client.get("/cases/").status_code == 200
    assert SESSION_KEY in client.session


def test_django_otp_devices_carry_over(users, client):
    """Migration 0006 on real django-otp devices: the same codes work after it, the code used
    last does not, and the old table keeps no copy of the secret."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    confirmed = TOTPDevice.objects.create(user=users["coordinator"], name="phone",
                                          confirmed=True)
    TOTPDevice.objects.create(user=users["specialist"], name="half", confirmed=False)
    odd = TOTPDevice.objects.create(user=users["admin"], name="odd", confirmed=True, digits=8)
    code = f"{totp(confirmed.bin_key):06d}"
    assert confirmed.verify_token(code)  # used once under django-otp
    migration = importlib.import_module(
        "consilium.accounts.migrations.0006_totp_devices_to_allauth_mfa")
    migration.forwards(apps, None)

    app = Authenticator.objects.get(user=users["coordinator"], type="totp")
    assert app.data["secret"].startswith("cf1:")  # sealed, not the key
    assert confirmed.key not in str(app.data)
    assert not TOTPDevice.objects.filter(pk=confirmed.pk).exists()
    assert not Authenticator.objects.filter(user__in=[users["specialist"], users["admin"]])\
        .exists()
    assert TOTPDevice.objects.filter(pk=odd.pk).exists()
    _sign_in(client, "coordinator")
    assert client.post("/account/two-factor/", {"code": code}).status_code == 422  # used
    assert app_code(app) == code
    assert client.post("/account/two-factor/", {"code": app_code(app, offset=1)}).status_code \
        == 302


def test_a_password_alone_cannot_remake_codes_or_remove_the_app(client, users):
    """The code step is the only page open before the code: not the recovery codes (making new
    ones would show them), not removing the app (and setting up a stranger's)."""
    app = authenticator_app(users["coordinator"])
    codes = RecoveryCodes.activate(users["coordinator"])
    seed = codes.instance.data["seed"]
    _sign_in(client, "coordinator")
    for response in (client.post("/account/two-factor/recovery-codes/"),
                     client.get("/account/two-factor/passkeys/add/"),
                     client.post("/account/two-factor/passkeys/add/",
                                 {"name": "mine", "credential": "{}"}),
                     client.get("/account/two-factor/recovery-codes/"),
                     client.get("/account/two-factor/devices/"),
                     client.post(f"/account/two-factor/devices/{app.pk}/remove/")):
        assert response.status_code == 302 and response.url.startswith("/account/two-factor/?")
    assert Authenticator.objects.filter(pk=app.pk).exists()
    codes.instance.refresh_from_db()
    assert codes.instance.data["seed"] == seed and not codes.did_view
    assert not _rows()


def test_hostile_passkey_answers(client, users, login):
    """What a browser never sends: each is refused without adding anything, and the passkey
    step at sign-in refuses the same."""
    login(users["coordinator"])
    for credential in ("", "not json", "{}", "[]", '{"id": "AAAA", "type": "public-key"}',
                       '{"id": 1, "response": {"clientDataJSON": 5}}', "x" * 100_000):
        response = client.post("/account/two-factor/passkeys/add/",
                               {"name": "mine", "credential": credential})
        assert response.status_code == 422, credential[:20]
    assert not Authenticator.objects.filter(type="webauthn").exists()
    client.logout()
    _sign_in(client, "coordinator")
    for credential in ("", "not json", "{}", '{"id": "AAAA", "type": "public-key"}'):
        refused = client.post("/account/two-factor/", {"credential": credential})
        assert refused.status_code == 422, credential
    assert client.get("/queue/").status_code == 302


def test_rotate_keys_seals_the_second_factors_again(users, settings):
    """After a new master key and rotate_keys, the app's codes and the recovery codes still
    work with the old key gone (they were sealed with it)."""
    import base64
    import io
    import secrets

    from django.core.management import call_command

    from consilium import fields

    app = authenticator_app(users["coordinator"])
    codes = RecoveryCodes.activate(users["coordinator"]).instance
    code, recovery = app_code(app), RecoveryCodes(codes).get_unused_codes()[0]
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings.RECORDS_MASTER_KEYS = [new_key, *settings.RECORDS_MASTER_KEYS]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "secrets of 2 second factors again" in out.getvalue()
    settings.RECORDS_MASTER_KEYS = [new_key]  # the old master key is gone
    app.refresh_from_db()
    codes.refresh_from_db()
    assert app.data["secret"].startswith(fields.current_prefix())
    assert app_code(app) == code
    assert recovery in RecoveryCodes(codes).get_unused_codes()
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "secrets of 0 second factors again" in out.getvalue()
