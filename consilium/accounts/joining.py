"""The page behind a staff invitation or set-up link, ``/join/<token>/`` (accounts/actions.py:
join_link): where a coordinator, specialist or administrator chooses their password and
enrols their first second factor, then is signed in. No trust on first use: the second
factor of a staff account is enrolled only here (accounts/mfa.password_sign_in_refusal).

The link walks through three steps, each resumable until the second factor is enrolled:

1. Choose a name and password (do_start_staff_account); this browser is then remembered
   for the invitation (``CHOSE_PASSWORD``).
2. Back on the link in another browser, or after closing this one: the password just
   chosen, counted like a sign-in (django-axes), so the link alone cannot enrol a stranger's
   second factor. Forgotten? The administrator resends the link; the invitee starts again.
3. An authenticator app (its first right code) or a passkey (allauth.mfa checks the
   browser's answer): do_accept_staff_invitation spends the link and the invitee is signed
   in, on to their recovery codes, shown once.
"""

from urllib.parse import urlencode

import segno
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.totp.internal.auth import clear_totp_secret, get_totp_secret
from allauth.mfa.webauthn.forms import AddWebAuthnForm
from allauth.mfa.webauthn.internal.auth import begin_registration
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from consilium.errors import Conflict, InvalidInput
from consilium.forms import add_action_errors, form_status

from .actions import do_accept_staff_invitation, do_start_staff_account
from .forms import PASSWORD_POLICY
from .mfa import mark_confirmed, passkey_form_valid, setup_code_right
from .models import StaffInvitation
from .views import CodeForm

CHOSE_PASSWORD = "consilium_join_invitation"  # the link this browser chose a password on
BACKEND = "django.contrib.auth.backends.ModelBackend"


class StartForm(forms.Form):
    """The questions; do_start_staff_account decides what is acceptable."""

    first_name = forms.CharField(label="Given name", max_length=150, required=False)
    last_name = forms.CharField(label="Family name", max_length=150, required=False)
    password1 = forms.CharField(label="Choose a password", strip=False, required=False,
                                help_text=PASSWORD_POLICY,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="The same password again", strip=False, required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PasswordAgainForm(forms.Form):
    password = forms.CharField(label="The password you chose", strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))


def _passkey_form(request, user):
    form = AddWebAuthnForm(request.POST if "credential" in request.POST else None, user=user,
                           initial={"name": "This device"})  # allauth's would be "Master key"
    form.fields["name"].label = "A name for this passkey"
    form.fields["name"].help_text = "For example “work laptop” or “security key”."
    form.fields["name"].max_length = 60
    return form


@never_cache
def join(request, token):
    response = _join(request, token)
    # The token is live in this page's address: its styles, scripts and links would carry it
    # in their Referer to access logs (a proxy's, a CDN's), which consilium/logs.py does not
    # reach. "strict-origin" sends the origin only, never the path; not "no-referrer", with
    # which Chromium posts the page's own forms with "Origin: null" and Django's CSRF check
    # refuses them.
    response["Referrer-Policy"] = "strict-origin"
    return response


def _join(request, token):
    invitation = StaffInvitation.find(token)
    if invitation is None:
        return render(request, "accounts/join_invalid.html", status=404)
    if request.user.is_authenticated:
        # Someone is signed in in this browser (perhaps the administrator who sent it).
        return render(request, "accounts/join_signed_in.html", {"invitation": invitation},
                      status=409)
    # A set-up link names its member from the start; a new member's account is made at step 1.
    context = {"invitation": invitation, "setup": invitation.user_id is not None
               and invitation.started_at is None}
    try:
        if invitation.started_at is None:
            return _choose_password(request, invitation, context)
        if request.session.get(CHOSE_PASSWORD) != _remembered(invitation):
            return _password_again(request, invitation, context)
        return _second_factor(request, invitation, context)
    except Conflict as error:  # spent or revoked meanwhile (another browser, an administrator)
        messages.error(request, error.message)
        return render(request, "accounts/join_invalid.html", status=409)


def _remembered(invitation) -> str:
    """What this browser keeps once it chose (or gave again) the password: the invitation and
    its current link, so that a browser that chose one on a link since resent (the old
    password, perhaps someone else's) is asked for the password chosen on the new one."""
    return f"{invitation.pk}:{invitation.key_hash}"


def _choose_password(request, invitation, context):
    initial = {"first_name": invitation.first_name, "last_name": invitation.last_name}
    form = StartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_start_staff_account(invitation, form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            request.session.cycle_key()
            request.session[CHOSE_PASSWORD] = _remembered(invitation)
            return redirect(request.path)
    return render(request, "accounts/join.html", {**context, "step": "password", "form": form},
                  status=form_status(form))


def _password_again(request, invitation, context):
    form = PasswordAgainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # authenticate(), so that django-axes counts and locks out as at the sign-in page.
        user = authenticate(request, username=invitation.user.username,
                            password=form.cleaned_data["password"])
        if user is not None and user.pk == invitation.user_id:
            request.session.cycle_key()
            request.session[CHOSE_PASSWORD] = _remembered(invitation)
            return redirect(request.path)
        form.add_error("password", "That is not the password chosen on this link. Forgot "
                                   "it? Ask your administrator to send the link again, and "
                                   "start again.")
    status = 429 if getattr(request, "axes_locked_out", False) else form_status(form)
    return render(request, "accounts/join.html", {**context, "step": "again", "form": form},
                  status=status)


def _second_factor(request, invitation, context):
    user = invitation.user
    code_form = CodeForm(request.POST if "code" in request.POST else None)
    passkey_form = _passkey_form(request, user)
    authenticator = None
    if code_form.is_bound and code_form.is_valid():
        secret = get_totp_secret()
        if setup_code_right(secret, code_form.cleaned_data["code"].strip()):
            authenticator = do_accept_staff_invitation(invitation, totp_secret=secret)
            clear_totp_secret(request)
        else:
            code_form.add_error("code", "That code is not right. Enter the six digits your "
                                        "app shows now.")
    elif passkey_form.is_bound:
        if passkey_form_valid(passkey_form):
            name = passkey_form.cleaned_data["name"][:60]
            authenticator = do_accept_staff_invitation(
                invitation, passkey=(name, passkey_form.cleaned_data["credential"]))
        else:
            messages.error(request, "The passkey could not be added. Try again, or set up an "
                                    "authenticator app instead.")
    if authenticator is not None:
        return _signed_in(request, user, authenticator)
    secret = get_totp_secret()
    qr = segno.make(get_mfa_adapter().build_totp_url(user, secret))
    bound = code_form if code_form.is_bound else passkey_form
    status = 422 if bound.is_bound else 200
    return render(request, "accounts/join.html", {
        **context, "step": "second_factor", "form": code_form, "passkey_form": passkey_form,
        "qr_svg": qr.svg_inline(scale=4, title="QR code for your authenticator app"),
        "secret": secret, "passkey_options": begin_registration(user, passwordless=False),
    }, status=status)


def _signed_in(request, user, authenticator):
    request.session.pop(CHOSE_PASSWORD, None)
    login(request, user, backend=BACKEND)
    mark_confirmed(request, authenticator)
    messages.success(request, "Welcome. Your account is ready.")
    return redirect(reverse("recovery_codes") + "?" + urlencode({"next": reverse("home")}))
