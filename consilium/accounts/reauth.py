"""Re-authentication before an act that must be the user's own (signing an opinion).

One field takes either the account's password or the current code from the user's
authenticator app. Wrong passwords go through Django's ``authenticate``, so django-axes
counts them towards the lockout like any failed sign-in.
"""

import re

from django.contrib.auth import authenticate
from django_otp.plugins.otp_totp.models import TOTPDevice

from consilium.errors import InvalidInput

from .codes import check_code

CODE = re.compile(r"^[0-9]{6}$")
WRONG = "That is not your password or a current code from your authenticator app."


def confirm_identity(request, user, secret: str, *, field: str = "password") -> None:
    """Raise InvalidInput naming ``field`` unless ``secret`` proves the user is ``user``."""
    secret = secret or ""
    if not secret.strip():
        raise InvalidInput({field: "Enter your password or a code from your authenticator app."})
    if CODE.match(secret.strip()):
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            if check_code(device, secret.strip()).accepted:
                return
    if authenticate(request, username=user.get_username(), password=secret) != user:
        raise InvalidInput({field: WRONG})
