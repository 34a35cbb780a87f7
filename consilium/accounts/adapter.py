"""Consilium's hooks into django-allauth's sign-up and email verification.

allauth runs the flows (forms, links, rate limits, not revealing known addresses); this
adapter keeps the program's rules on top: a sign-up is always a patient, every account change
is an action with its audit row (accounts/actions.py; the sign-up form saves through
do_sign_up), links point at SITE_URL like every other link Consilium mails, and the client
address is the one consilium/proxy.py trusts. A sign-in through the hospital's identity provider
(accounts/sso.py) passes through allauth's login steps here too: without allauth.mfa's (the
second factor is Consilium's own step after it), with its audit row.
"""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from consilium.proxy import client_address

from .actions import do_sign_in_with_identity_provider, do_verify_email
from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Only the address and password come from the form; the role is the program's."""
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.PATIENT
        user.is_staff = user.is_superuser = user.two_factor_exempt_in_debug = False
        if commit:
            user.save()
        return user

    def confirm_email(self, request, email_address) -> bool:
        return do_verify_email(request, email_address,
                               acting_user=email_address.user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {"program_name": settings.PROGRAM_NAME,
                                                   **context})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return settings.SITE_URL + reverse("account_confirm_email",
                                           args=[emailconfirmation.key])

    def send_account_already_exists_mail(self, email: str) -> None:
        """The owner of a known address is told, with the way back in; the page the visitor
        sees is the same as for a new address (ACCOUNT_PREVENT_ENUMERATION)."""
        self.send_mail("account/email/account_already_exists", email, {
            "signup_url": settings.SITE_URL + reverse("account_signup"),
            "password_reset_url": settings.SITE_URL + reverse("password_reset"),
        })

    def get_client_ip(self, request) -> str:
        return client_address(request) or ""

    def get_login_stages(self) -> list[str]:
        """allauth's login steps without allauth.mfa's: its pages are not routed, and the
        second factor is asked by Consilium's own step (accounts/middleware.py) after any
        sign-in, the identity provider's too."""
        return [stage for stage in super().get_login_stages()
                if not stage.startswith("allauth.mfa.")]

    def post_login(self, request, user, **kwargs):
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if sociallogin is not None:
            do_sign_in_with_identity_provider(request, sociallogin.account, acting_user=user)
        return super().post_login(request, user, **kwargs)
