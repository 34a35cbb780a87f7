import segno
from allauth.account.models import EmailAddress
from allauth.account.views import SignupView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from consilium.errors import DomainError
from consilium.forms import SchemaChoiceField, add_action_errors, form_status
from consilium.mydata.actions import has_own_data

from .actions import (
    do_add_device,
    do_issue_api_token,
    do_prepare_device,
    do_request_email_change,
    do_revoke_api_token,
    do_save_identity,
    gives_identity,
)
from .codes import check_code
from .forms import EmailChangeForm
from .models import PatientIdentity, Role, Sex


def home(request):
    """Send each role to where its work is; explain Consilium to visitors."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    if request.user.role == Role.COORDINATOR:
        return redirect("work_queue")
    if request.user.role == Role.ADMIN:
        return redirect("specialist_list")
    return redirect("case_list")


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


@login_required
def two_factor(request):
    """Set up an authenticator app on first sign-in, then ask for its code at each sign-in."""
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = do_prepare_device(user, acting_user=user)
    form = CodeForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        outcome = check_code(device, form.cleaned_data["code"].strip())
        if outcome.accepted:
            if setting_up:
                device.confirmed = True
                do_add_device(device, acting_user=user)
            # A new session key for the stronger sign-in (django-otp keeps the old one).
            request.session.cycle_key()
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "home"
            return redirect(target)
        form.add_error("code", outcome.message)
        status = 429 if outcome.wait else None
    context = {"form": form, "setting_up": setting_up}
    if setting_up:
        qr = segno.make(device.config_url)
        context["qr_svg"] = qr.svg_inline(scale=4, title="QR code for your authenticator app")
        context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "accounts/two_factor.html", context,
                  status=status or form_status(form))


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
