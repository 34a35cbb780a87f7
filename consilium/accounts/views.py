from urllib.parse import urlencode

import segno
from allauth.account.models import EmailAddress
from allauth.account.views import SignupView
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.totp.internal.auth import clear_totp_secret, get_totp_secret
from allauth.mfa.webauthn.forms import AddWebAuthnForm, AuthenticateWebAuthnForm
from allauth.mfa.webauthn.internal.auth import begin_authentication, begin_registration
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.validators import MaxValueValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from consilium.errors import DomainError
from consilium.forms import SchemaChoiceField, add_action_errors, form_status
from consilium.mydata.actions import has_own_data

from .actions import (
    do_activate_totp,
    do_add_passkey,
    do_generate_recovery_codes,
    do_issue_api_token,
    do_remove_authenticator,
    do_request_email_change,
    do_revoke_api_token,
    do_save_identity,
    do_use_recovery_code,
    gives_identity,
)
from .codes import check_code
from .forms import EmailChangeForm, SignInForm
from .mfa import (
    authenticators,
    confirmed,
    mark_confirmed,
    must_confirm,
    passkey_form_valid,
    recovery_codes_of,
    setup_code_right,
    totp_of,
)
from .models import PatientIdentity, Role, Sex
from .sso import sign_in_button


def home(request):
    """Send each role to where its work is; explain Consilium to visitors."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    if request.user.role == Role.COORDINATOR:
        return redirect("work_queue")
    if request.user.role == Role.ADMIN:
        return redirect("specialist_list")
    return redirect("case_list")


class SignInView(LoginView):
    """Django's sign-in (axes; accounts/forms.SignInForm), with a "Sign in with …" button for
    staff when the hospital's identity provider is configured (accounts/sso.py)."""

    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso": sign_in_button()}


class SignUpView(SignupView):
    """django-allauth's sign-up page (accounts/forms.SignUpForm, accounts/adapter.py); a
    refused form answers 422, as Consilium's own forms do (consilium/forms.form_status)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422
        return response


sign_up = SignUpView.as_view()


class TokenForm(forms.Form):
    name = forms.CharField(label="What is this token for?", max_length=80,
                           help_text="For example “hospital integration”.")
    days = forms.IntegerField(label="Days until it stops working", min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = settings.API_TOKEN_MAX_DAYS
        days = self.fields["days"]  # a copy per form, so the class's field stays as declared
        assert isinstance(days, forms.IntegerField)
        days.initial = min(settings.API_TOKEN_DAYS, most)
        days.max_value = most
        days.validators.append(MaxValueValidator(most))
        days.widget.attrs["max"] = most
        days.help_text = f"At most {most}. Make a new token when it ends."


@login_required
def account(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = do_issue_api_token(request.user, form.cleaned_data["name"],
                                          acting_user=request.user,
                                          days=form.cleaned_data["days"])
        form = TokenForm()
    tokens = request.user.api_tokens.active()
    return render(request, "accounts/account.html",
                  {"form": form, "tokens": tokens, "new_token": new_token,
                   "identity_asked": gives_identity(request.user),
                   "own_data": has_own_data(request.user)},
                  status=form_status(form))


@login_required
@require_POST
def revoke_token(request, token_id):
    token = request.user.api_tokens.active().filter(id=token_id).first()
    if token and do_revoke_api_token(token, acting_user=request.user):
        messages.success(request, "The token is revoked and can no longer be used.")
    return redirect("account")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="Six-digit code from your authenticator app", regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": "Enter the six digits your app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.RegexField(
        label="A recovery code", regex=r"^\s*[0-9]{8}\s*$",
        error_messages={"invalid": "A recovery code has eight digits."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


def _next(request):
    """Where to go after the step: ``next`` if it is a path on this site, else home."""
    target = request.GET.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, {request.get_host()}):
        return reverse("home")
    return target


@login_required
def two_factor(request):
    """Set up an authenticator app on first sign-in, then ask for its code (or a recovery
    code) at each sign-in. The secret of an app being set up is kept in the session
    (allauth.mfa's get_totp_secret) until its first right code."""
    user = request.user
    app = totp_of(user)
    first = not authenticators(user).exists()
    if first and user.needs_two_factor:
        # No trust on first use: a staff member's first second factor is set up only on the
        # link an administrator sends (accounts/joining.py).
        return render(request, "accounts/no_second_factor.html", status=403)
    # Setting up an app: a patient's first second factor, or another one once this session
    # passed one.
    setting_up = app is None and (first or confirmed(request))
    form = CodeForm(request.POST if "code" in request.POST else None)
    recovery = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    status = None
    if setting_up and form.is_bound and form.is_valid():
        secret = get_totp_secret()
        code = form.cleaned_data["code"].strip()
        if setup_code_right(secret, code):
            app = do_activate_totp(user, secret, acting_user=user)
            clear_totp_secret(request)
            mark_confirmed(request, app)
            return redirect(reverse("recovery_codes") + "?" + urlencode({"next": _next(request)}))
        form.add_error("code", "That code is not right. Enter the six digits your app shows "
                               "now.")
    elif form.is_bound and form.is_valid() and app is not None:
        outcome = check_code(app, form.cleaned_data["code"])
        if outcome.accepted:
            mark_confirmed(request, app)
            return redirect(_next(request))
        form.add_error("code", outcome.message)
        status = 429 if outcome.wait else None
    elif "credential" in request.POST and not setting_up:
        passkey = AuthenticateWebAuthnForm(request.POST, user=user)
        if passkey_form_valid(passkey):
            mark_confirmed(request, passkey.cleaned_data["credential"])
            return redirect(_next(request))
        messages.error(request, PASSKEY_REFUSED)
        status = 422
    elif recovery.is_bound and recovery.is_valid() and not setting_up:
        outcome, codes = do_use_recovery_code(user, recovery.cleaned_data["recovery_code"],
                                              acting_user=user)
        if codes is not None:
            mark_confirmed(request, codes)
            messages.warning(request, "You used a recovery code; it does not work again. "
                                      "Make new ones on your account page when few are left.")
            return redirect(_next(request))
        recovery.add_error("recovery_code", outcome.message)
        status = 429 if outcome.wait else None
    context = {"form": form, "recovery": recovery, "setting_up": setting_up,
               "has_recovery_codes": recovery_codes_of(user) is not None}
    if authenticators(user).filter(type="webauthn").exists():
        context["passkey_options"] = begin_authentication(user)
    if app is None and not setting_up:
        context["form"] = None  # passkeys only: no app to ask a code of
    if setting_up:
        secret = get_totp_secret()
        url = get_mfa_adapter().build_totp_url(user, secret)
        qr = segno.make(url)
        context["qr_svg"] = qr.svg_inline(scale=4, title="QR code for your authenticator app")
        context["secret"] = secret
    bound = form if form.is_bound else recovery
    return render(request, "accounts/two_factor.html", context,
                  status=status or form_status(bound))


PASSKEY_REFUSED = ("Your passkey was not accepted. Try again, or use a code from your "
                   "authenticator app or a recovery code.")


@login_required
def add_passkey(request):
    """Add a passkey (WebAuthn): the browser makes a key pair on this device or a security key
    (static passkey.js with allauth.mfa's webauthn-json), allauth.mfa checks its answer. Open
    only to a session past its second factor, or to a patient who has none yet, so a
    password alone cannot add a stranger's key (a staff member's first one is added on their
    set-up link: accounts/joining.py)."""
    user = request.user
    if must_confirm(request):  # a staff member with none: the page says where to get one
        return redirect(reverse("two_factor") + "?" + urlencode({"next": request.path}))
    form = AddWebAuthnForm(request.POST or None, user=user, initial={"name": "This device"})
    form.fields["name"].label = "A name for this passkey"
    form.fields["name"].help_text = "For example “work laptop” or “security key”."
    form.fields["name"].max_length = 60
    if request.method == "POST":
        if passkey_form_valid(form):
            passkey = do_add_passkey(user, form.cleaned_data["name"][:60],
                                     form.cleaned_data["credential"], acting_user=user)
            mark_confirmed(request, passkey)
            messages.success(request, "Your passkey is added. Next time, sign in with it.")
            return redirect(reverse("recovery_codes") + "?" + urlencode({"next": _next(request)}))
        messages.error(request, "The passkey could not be added. Try again.")
    options = begin_registration(user, passwordless=False)
    return render(request, "accounts/add_passkey.html", {"form": form, "options": options},
                  status=422 if request.method == "POST" else 200)


@login_required
def recovery_codes(request):
    """The recovery codes, shown once (allauth.mfa notes that they were seen); new ones
    replace them all."""
    user = request.user
    if request.method == "POST":
        try:
            do_generate_recovery_codes(user, acting_user=user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("devices")
    codes = recovery_codes_of(user)
    shown = None
    if codes is not None:
        wrapper = codes.wrap()
        if not wrapper.did_view:
            shown = wrapper.get_unused_codes()
            wrapper.mark_as_viewed()
    left = len(codes.wrap().get_unused_codes()) if codes is not None else 0
    return render(request, "accounts/recovery_codes.html",
                  {"codes": shown, "left": left, "has_codes": codes is not None,
                   "next": _next(request) if request.GET.get("next") else ""})


@login_required
def devices(request):
    """A member's own second factors: what they are, when last used; each can be removed,
    except a staff member's only one (do_remove_authenticator)."""
    mine = authenticators(request.user).order_by("created_at")
    return render(request, "accounts/devices.html", {
        "apps": [a for a in mine if a.type == "totp"],
        "passkeys": [a for a in mine if a.type == "webauthn"],
        "codes": next((a for a in mine if a.type == "recovery_codes"), None),
    })


@login_required
@require_POST
def remove_device(request, authenticator_id):
    mine = authenticators(request.user).filter(pk=authenticator_id).first()
    if mine is None:
        raise Http404
    try:
        do_remove_authenticator(mine, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Removed.")
    return redirect("devices")


class IdentityForm(forms.Form):
    """The questions; IdentityIn (accounts/schemas.py) decides what is acceptable."""

    given_names = forms.CharField(label="Given names (first and middle)", required=False,
                                  help_text="As on your passport or ID card.")
    family_name = forms.CharField(label="Family name (surname)", required=False)
    birth_date = forms.CharField(label="Date of birth", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    sex = SchemaChoiceField(label="Sex, as your records state it", required=False,
                            choices=[("", "—"), *Sex.choices])
    record_number = forms.CharField(
        label="Your patient number at the hospital of your first opinion (optional)",
        required=False, help_text="Often called MRN; it is on letters and results.")
    record_number_issuer = forms.CharField(label="The hospital or practice that gave it",
                                           required=False)


@login_required
def identity(request):
    """The patient says once who they are, so each record can be checked to be theirs."""
    if not gives_identity(request.user):
        raise Http404
    known = PatientIdentity.objects.filter(user=request.user).first()
    initial = {name: getattr(known, name) for name in IdentityForm.base_fields} if known else {
        "given_names": request.user.first_name, "family_name": request.user.last_name}
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_save_identity(request.user, form.cleaned_data, acting_user=request.user)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Thank you. Each record is now checked against this.")
            target = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(target, {request.get_host()},
                                               require_https=request.is_secure()):
                return redirect(target)
            return redirect("account")
    return render(request, "accounts/identity.html", {"form": form, "known": known},
                  status=form_status(form))


@login_required
def email_change(request):
    """Change one's email address: the new one is used once the link mailed to it is opened."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_request_email_change(request, request.user, form.cleaned_data["email"],
                                    form.cleaned_data["password"], acting_user=request.user)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "We have sent a link to the new address. Open it to "
                                      "start using that address; until then the old one stays.")
            return redirect("email_change")
    pending = EmailAddress.objects.get_new(request.user)
    return render(request, "accounts/email_change.html", {"form": form, "pending": pending},
                  status=form_status(form))


# -- Time zones (a block of its own) ------------------------------------------------------

@login_required
def time_zone(request):
    """Choose the time zone every time is shown in; a specialist's practice suggests one."""
    from consilium.directory.zones import practice_zone

    from .actions import do_set_time_zone
    from .forms import TimeZoneForm

    current = request.user.time_zone
    suggested = "" if current else practice_zone(request.user)
    form = TimeZoneForm(request.POST or None, current=current,
                        initial={"time_zone": current or suggested})
    if request.method == "POST" and form.is_valid():
        try:
            do_set_time_zone(request.user, form.cleaned_data["time_zone"],
                             acting_user=request.user)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your time zone is saved: times are shown in "
                                      f"{request.user.zone.key.replace('_', ' ')}.")
            return redirect("account")
    return render(request, "accounts/time_zone.html",
                  {"form": form, "suggested": suggested}, status=form_status(form))
