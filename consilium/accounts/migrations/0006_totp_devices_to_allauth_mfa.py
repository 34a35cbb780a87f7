"""Authenticator apps move from django-otp to allauth.mfa (issue #21): each confirmed TOTP
device becomes an allauth.mfa ``Authenticator`` of type totp, so nobody sets up their app
again. django-otp stores the key as hex, allauth.mfa as base32, sealed like health data
(accounts/mfa.MFAAdapter.encrypt: ``consilium.fields.seal`` for "mfa_authenticator.data");
the last time step used (django-otp's ``last_t``, the same count with its default t0 of 0)
is kept, so a code used before the move is not accepted again after it. Devices with other
than 30-second, six-digit codes cannot be carried over (allauth.mfa has one setting for all)
and are left, as are unconfirmed ones (a set-up never finished); the member sets up an app at
the next sign-in. The copied devices are deleted, so no second copy of a secret remains in
django-otp's table, which stored it in the clear. Going back leaves allauth.mfa's rows."""

import base64

from django.db import migrations

LABEL = "mfa_authenticator.data"


def forwards(apps, schema_editor):
    from consilium.fields import seal

    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    Authenticator = apps.get_model("mfa", "Authenticator")
    for device in TOTPDevice.objects.filter(confirmed=True).order_by("pk"):
        if (device.step, device.t0, device.digits) != (30, 0, 6):
            continue
        if Authenticator.objects.filter(user_id=device.user_id, type="totp").exists():
            continue
        secret = base64.b32encode(bytes.fromhex(device.key)).decode()
        data = {"secret": seal(secret, LABEL)}
        if device.last_t >= 0:
            data["last_counter"] = device.last_t
        Authenticator.objects.create(user_id=device.user_id, type="totp", data=data,
                                     created_at=device.created_at or device.last_used_at
                                     or _now(), last_used_at=device.last_used_at)
        device.delete()


def _now():
    from django.utils import timezone

    return timezone.now()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_drop_authenticatorapp"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
