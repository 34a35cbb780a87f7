"""Staff single sign-on with the hospital's identity provider (OpenID Connect; issue #21).

allauth.socialaccount's ``openid_connect`` provider runs the protocol: discovery, the
authorization code with PKCE and ``state``, the code exchange, the ID token's checks. This
adapter keeps the program's rules on top (docs/deploy.md "Connecting an identity provider"):

- It reaches only an existing, active staff account (a role in TWO_FACTOR_ROLES). It makes no
  account, no address rows, and no role comes from the provider: accounts still come from the
  program's administrators.
- The first time, the account is the one whose address is the provider's ``email`` (any case)
  when the provider says it is verified (``email_verified``); the link (allauth's
  SocialAccount: the provider and its subject ``sub``) is saved by
  ``do_link_identity_provider`` and the member emailed. After that the subject alone finds
  the account, whatever the address says.
- Anything else (an unknown or unverified address, a patient's, closed or inactive account,
  an account already linked to another subject, an error from the provider, a wrong
  ``state``) is refused on the sign-in page with one plain message, and nothing is kept.
- Each sign-in is an audit row (``do_sign_in_with_identity_provider``, from
  accounts/adapter.AccountAdapter.post_login); the program's second factor is asked after it
  unless OIDC_TRUSTS_MFA and the ID token's ``amr`` names one (accounts/mfa.py).
"""

import logging
from typing import NoReturn

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from consilium.errors import NotAllowed

from .actions import do_link_identity_provider
from .models import User

logger = logging.getLogger(__name__)

NOT_LINKED = ("Your hospital account is not linked to a Consilium staff account. Ask your "
              "administrator.")
NOT_COMPLETED = "The sign-in with {name} did not complete. Please try again."


def may_sign_in(user) -> bool:
    """Whether single sign-on may reach this account: an active, open staff account."""
    return bool(user is not None and user.pk and user.is_active and user.closed_at is None
                and user.role in settings.TWO_FACTOR_ROLES)


def staff_by_verified_email(sociallogin) -> User | None:
    """The one staff account whose address the provider says it verified, not yet linked to
    another of the provider's subjects; None when there is none, or more than one."""
    verified = {address.email.strip().lower() for address in sociallogin.email_addresses
                if address.verified and address.email}
    if len(verified) != 1:
        return None
    matches = list(User.objects.filter(email__iexact=verified.pop())[:2])
    if len(matches) != 1 or not may_sign_in(matches[0]):
        return None
    if SocialAccount.objects.filter(user=matches[0],
                                    provider=sociallogin.account.provider).exists():
        return None  # linked to another subject: the address may have changed hands
    return matches[0]


def refuse(request, reason: str, message: str = NOT_LINKED) -> NoReturn:
    """Back to the sign-in page with ``message``; the log says why, without who."""
    logger.info("Single sign-on refused: %s", reason)
    messages.error(request, message)
    raise ImmediateHttpResponse(redirect(reverse("login")))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        """After the provider's answer was checked, before anyone is signed in: found by the
        subject (allauth looked it up), or linked now by the verified address, or refused."""
        if sociallogin.is_existing:
            if not may_sign_in(sociallogin.user):
                refuse(request, "linked account is not an active staff account")
            return
        user = staff_by_verified_email(sociallogin)
        if user is None:
            refuse(request, "no staff account with that verified address")
        try:
            do_link_identity_provider(sociallogin.account, user, acting_user=user)
        except NotAllowed:
            refuse(request, "account already linked")
        sociallogin.user = user

    def authenticate_by_email(self, sociallogin):
        """Never allauth's own matching by address (it would also wipe the password of an
        account without address rows); pre_social_login matches staff accounts only."""
        return None

    def is_open_for_signup(self, request, sociallogin) -> bool:
        refuse(request, "no account")  # single sign-on makes no account

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return False

    def on_authentication_error(self, request, provider, error=None, exception=None,
                                extra_context=None) -> None:
        """The provider answered with an error, the ``state`` did not match, or the code
        exchange or ID token check failed: the sign-in page says so, the log says which (the
        error's kind only: its text may quote the code or the provider's answer)."""
        logger.warning("Single sign-on failed: %s", error or type(exception).__name__)
        refuse(request, "authentication error",
               NOT_COMPLETED.format(name=settings.OIDC_NAME))


def sign_in_button() -> dict | None:
    """The "Sign in with …" button of /login/, when an identity provider is configured."""
    if not settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect"):
        return None
    return {"name": settings.OIDC_NAME,
            "url": reverse("openid_connect_login",
                           kwargs={"provider_id": settings.OIDC_PROVIDER_ID})}
