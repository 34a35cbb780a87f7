"""The sign-up form (django-allauth's, in plain words) and the sign-in form (Django's, which
also takes an email address, refuses an address not yet verified, and a staff account with no
second factor: accounts/mfa.password_sign_in_refusal); the time zone a user reads times in."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from allauth.account.forms import SignupForm

# allauth's own resend (internal, so its version is pinned: pyproject.toml)
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from consilium.forms import SchemaChoiceField

from .actions import do_sign_up
from .mfa import password_sign_in_refusal
from .schemas import known_zones

PASSWORD_POLICY = ("At least 10 characters. Not a common password, not only numbers, and not "
                   "like your email address. A few unrelated words make a good one.")


class SignUpForm(SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        texts = {
            "email": ("Your email address",
                      "You sign in with it. We send a link to it to check that it is yours."),
            "password1": ("Choose a password", PASSWORD_POLICY),
            "password2": ("The same password again", ""),
        }
        for name, (label, help_text) in texts.items():
            field = self.fields[name]
            field.label, field.help_text = label, help_text
            field.widget.attrs.pop("placeholder", None)  # the label says it
        # The address must fit the account's column (PostgreSQL refuses a longer one).
        longest = get_user_model()._meta.get_field("email").max_length
        self.fields["email"].validators.append(MaxLengthValidator(longest))
        self.fields["email"].widget.attrs["maxlength"] = longest

    def save(self, request):
        return do_sign_up(request, self)


def awaiting_email_verification(user) -> bool:
    """An account made on the sign-up page whose address is not verified yet: its own
    address has an unverified row, and no address of it is verified. Accounts made otherwise
    (invitations, administrators) have no allauth address rows and are not held, nor is one
    whose change to a new address is pending (its own address stays until the new one is
    verified)."""
    addresses = EmailAddress.objects.filter(user=user)
    return (addresses.filter(email__iexact=user.email, verified=False).exists()
            and not addresses.filter(verified=True).exists())


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your email address (or username) and password did not match. "
                         "Please try again.",
        "unverified": "Please confirm your email address first: open the link we emailed "
                      "you. If it has not arrived in a few minutes, sign in again and we send "
                      "a new one.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address or username"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        typed = (self.cleaned_data.get("username") or "").strip().lower()
        if typed not in {user.username.lower(), (user.email or "").lower()} and \
                not EmailAddress.objects.filter(user=user, email__iexact=typed,
                                                verified=True).exists():
            # allauth's backend also matches an address still waiting for its link (a pending
            # change): only the account's own address, or a verified one, signs in.
            raise self.get_invalid_login_error()
        refusal = password_sign_in_refusal(user)
        if refusal is not None:
            # After the right password only (Django's form asks this once authenticate()
            # found the user), so it tells a stranger nothing about an address.
            raise forms.ValidationError(refusal, code="no_second_factor")
        if awaiting_email_verification(user):
            # allauth's own resend (at most one per address in its cooldown, 3 minutes).
            send_verification_email_for_user(self.request, user)
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified")


class EmailChangeForm(forms.Form):
    """The questions; do_request_email_change decides what is acceptable."""

    email = forms.EmailField(label="Your new email address",
                             max_length=get_user_model()._meta.get_field("email").max_length)
    password = forms.CharField(
        label="Your password, or a code from your authenticator app", required=False,
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="So that nobody else can change it from a computer you left signed in.")


# -- Time zones --------------------------------------------------------------------------

# The regions of the IANA names offered on the page (the action takes any name it knows:
# old aliases such as US/Mountain too).
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific")


def zone_label(name: str) -> str:
    """"America/Argentina/Buenos_Aires" reads "Argentina / Buenos Aires"."""
    return name.split("/", 1)[-1].replace("_", " ").replace("/", " / ")


def _offset(now: datetime, name: str) -> str:
    """"UTC−07:00": the zone's offset now, as people compare zones."""
    offset = now.astimezone(ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[0].replace('-', '−')}{offset[1:3]}:{offset[3:]}"


def grouped_zones(current: str = "") -> list:
    """The select's choices: the program's own zone first, then each region's places."""
    names = {n for n in known_zones() if n.split("/")[0] in REGIONS and "/" in n}
    if current:
        names.add(current)
    now = datetime.now(UTC)
    groups: dict[str, list] = {}
    for name in sorted(names):
        groups.setdefault(name.split("/")[0] if "/" in name else "Other", []).append(
            (name, f"{zone_label(name)} ({_offset(now, name)})"))
    return [("", f"The program's time zone ({settings.TIME_ZONE.replace('_', ' ')})"),
            ("UTC", "UTC (Coordinated Universal Time)"), *groups.items()]


class TimeZoneForm(forms.Form):
    """The time zone the page offers; ``do_set_time_zone`` checks the name."""

    time_zone = SchemaChoiceField(label="Your time zone", required=False,
                                  help_text="Every date and time in Consilium is shown to "
                                            "you in this time zone, and in your emails.")

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = grouped_zones(current)
