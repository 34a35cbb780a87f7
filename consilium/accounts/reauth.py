"""Re-authentication before an act that must be the user's own (signing an opinion).

One field takes either the account's password or the current code from the user's
authenticator app. Wrong passwords go through Django's ``authenticate``, so django-axes
counts them towards the lockout like any failed sign-in.
"""

import re

from django.contrib.auth import authenticate

from consilium.errors import InvalidInput

from .codes import check_code
from .mfa import totp_of

CODE = re.compile(r"^[0-9]{6}$")
WRONG = "That is not your password or a current code from your authenticator app."


def confirm_identity(request, user, secret: str, *, field: str = "password") -> None:
    """Raise InvalidInput naming ``field`` unless ``secret`` proves the user is ``user``."""
    secret = secret or ""
    if not secret.strip():
        raise InvalidInput({field: "Enter your password or a code from your authenticator app."})
    if CODE.match(secret.strip()):
        app = totp_of(user)  # allauth.mfa's authenticator app, its codes checked by ours
        if app is not None and check_code(app, secret.strip()).accepted:
            return
    if authenticate(request, username=user.get_username(), password=secret) != user:
        raise InvalidInput({field: WRONG})
