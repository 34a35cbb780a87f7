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
- Or, only when the program trusts its identity provider's second factor
  (``OIDC_TRUSTS_MFA``), when it was signed in through the provider whose ID token said it
  asked one (``amr``), naming the link used (``PROVIDER_SESSION_KEY``): removing the link
  ends it too (accounts/sso.py).
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from consilium.fields import current_prefix, seal, unseal

SESSION_KEY = "consilium_second_factor"
PROVIDER_SESSION_KEY = "consilium_second_factor_at_identity_provider"
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


# The values allauth.mfa encrypts in an authenticator's data (through MFAAdapter.encrypt):
# an app's secret, the recovery codes' seed, and codes migrated from django-otp.
SEALED_KEYS = ("secret", "seed")
SEALED_LISTS = ("migrated_codes",)


def reseal_secrets() -> int:
    """Seal again with the current master key the secrets an older one sealed (rotate_keys);
    returns how many authenticators changed."""
    prefix, changed = current_prefix(), 0
    for pk in Authenticator.objects.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if authenticator is not None and _reseal(authenticator.data, prefix):
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed


def _reseal(data: dict, prefix: str) -> bool:
    def fresh(value: str) -> str:
        return value if value.startswith(prefix) else seal(unseal(value, LABEL), LABEL)

    before = dict(data)
    for key in SEALED_KEYS:
        if isinstance(data.get(key), str):
            data[key] = fresh(data[key])
    for key in SEALED_LISTS:
        if isinstance(data.get(key), list):
            data[key] = [fresh(value) for value in data[key]]
    return data != before


def authenticators(user):
    return Authenticator.objects.filter(user_id=user.pk)


def totp_of(user) -> Authenticator | None:
    return authenticators(user).filter(type=Authenticator.Type.TOTP).first()


def recovery_codes_of(user) -> Authenticator | None:
    return authenticators(user).filter(type=Authenticator.Type.RECOVERY_CODES).first()


def confirmed(request) -> bool:
    """Whether this session passed the second factor with an authenticator still there, or
    at a trusted identity provider (confirmed_by_identity_provider)."""
    pk = request.session.get(SESSION_KEY)
    if pk is not None and authenticators(request.user).filter(pk=pk).exists():
        return True
    return confirmed_by_identity_provider(request)


# RFC 8176 methods that are a second factor, or say several were used ("mfa", "mca"); a
# password ("pwd"), knowledge ("kba", "pin") and codes by text message or call ("sms",
# "tel": NIST SP 800-63B restricts them) are not.
SECOND_FACTOR_METHODS = frozenset({"mfa", "mca", "otp", "hwk", "swk", "sc", "fpt", "face",
                                   "iris", "retina", "vbm"})


def provider_asked_second_factor(id_token_claims: dict) -> bool:
    """Whether an ID token says the identity provider asked a second factor (its ``amr``)."""
    methods = id_token_claims.get("amr")
    return isinstance(methods, list) and any(
        isinstance(method, str) and method in SECOND_FACTOR_METHODS for method in methods)


def mark_confirmed_by_identity_provider(request, link) -> None:
    """Note the identity provider's link (a SocialAccount) whose sign-in asked a second factor.
    Set after the sign-in, whose new session key is already made."""
    request.session[PROVIDER_SESSION_KEY] = link.pk


def confirmed_by_identity_provider(request) -> bool:
    """Whether this session passed a second factor at the identity provider, while the program
    trusts it (OIDC_TRUSTS_MFA) and the link signed in with is still the user's."""
    from allauth.socialaccount.models import SocialAccount

    pk = request.session.get(PROVIDER_SESSION_KEY)
    return pk is not None and settings.OIDC_TRUSTS_MFA and SocialAccount.objects.filter(
        pk=pk, user_id=request.user.pk).exists()


def mark_confirmed(request, authenticator: Authenticator) -> None:
    """A new session key for the stronger sign-in, naming the authenticator used."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = authenticator.pk


def must_confirm(request) -> bool:
    """Whether this signed-in session must pass the second factor before anything else: a
    staff role (TWO_FACTOR_ROLES) always (one with none is told to ask for a set-up link);
    anyone else (a patient is not made to set one up) once they have added one."""
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


def setup_code_right(secret: str, code: str) -> bool:
    """Whether ``code`` is the current code of the app being set up with ``secret`` (plain
    ASCII digits only: allauth.mfa would read "١٢٣٤٥٦" as digits too)."""
    return code.isascii() and code.isdigit() and validate_totp_code(secret, code)


def passkey_form_valid(form) -> bool:
    """allauth.mfa's passkey forms, also refusing what a browser never sends: fido2 reads the
    answer's fields as it parses, and some malformed answers raise there, not as form
    errors."""
    try:
        return form.is_valid()
    except (ValidationError, KeyError, TypeError, ValueError, AttributeError):
        return False
