"""The second factor on allauth.mfa (issue #21; docs/decisions/0007-accounts-with-allauth.md).

allauth.mfa keeps the authenticators (``Authenticator`` rows: an authenticator app's TOTP
secret, the recovery codes' seed) and computes their codes; Consilium keeps its own sign-in
at /login/ and its own code step (accounts/views.two_factor), so the rule "a staff role does
nothing before its second factor" stays one middleware (accounts/middleware.py).

- The secret and the seed are encrypted in their column like health data
  (``consilium.fields.seal``), through allauth.mfa's adapter hooks ``encrypt``/``decrypt``.
- A session has passed the second factor when it names one of the user's authenticators
  that still exists (``SESSION_KEY``): removing the last one ends it, so the member is sent
  back to set one up.
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings

from consilium.fields import seal, unseal

SESSION_KEY = "consilium_second_factor"
LABEL = "mfa_authenticator.data"


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return seal(text, LABEL)

    def decrypt(self, encrypted_text: str) -> str:
        return unseal(encrypted_text, LABEL)

    def get_totp_issuer(self) -> str:
        return settings.PROGRAM_NAME

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """The passkeys' relying party: this host (as allauth.mfa), named like the program."""
        return {**super().get_public_key_credential_rp_entity(), "name": settings.PROGRAM_NAME}


def authenticators(user):
    return Authenticator.objects.filter(user_id=user.pk)


def totp_of(user) -> Authenticator | None:
    return authenticators(user).filter(type=Authenticator.Type.TOTP).first()


def recovery_codes_of(user) -> Authenticator | None:
    return authenticators(user).filter(type=Authenticator.Type.RECOVERY_CODES).first()


def confirmed(request) -> bool:
    """Whether this session passed the second factor with an authenticator still there."""
    pk = request.session.get(SESSION_KEY)
    return pk is not None and authenticators(request.user).filter(pk=pk).exists()


def mark_confirmed(request, authenticator: Authenticator) -> None:
    """A new session key for the stronger sign-in, naming the authenticator used."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = authenticator.pk


def must_confirm(request) -> bool:
    """Whether this signed-in session must pass the second factor before anything else: a
    staff role (TWO_FACTOR_ROLES) always, setting one up first if it has none; anyone else
    (a patient is not made to set one up) once they have added one."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.needs_two_factor:
        return not confirmed(request)
    return SESSION_KEY not in request.session and authenticators(user).exists()


NO_SECOND_FACTOR = ("Your account has no second factor yet. Ask your administrator for a new "
                    "set-up link.")


def password_sign_in_refusal(user) -> str | None:
    """Why ``user`` may not sign in with a password, as far as second factors go, or None.

    No trust on first use: a staff role (``needs_two_factor``) without a second factor is
    refused, since whoever first typed a new member's password would otherwise choose the
    second factor. Its second factor is enrolled only on a set-up link (accounts/joining.py).
    The one place for this rule: a sign-in by single sign-on may be judged otherwise."""
    if user.needs_two_factor and not authenticators(user).exists():
        return NO_SECOND_FACTOR
    return None
