"""Changes to who may do what: sign-ups, email addresses verified or changed, roles, passwords
set by an administrator, API tokens, authenticator devices and links to the hospital's identity
provider. Each is an audit row, so a grant of access leaves a trace."""

from allauth.account.forms import SignupForm

# allauth's own steps (internal modules, so its version is pinned: pyproject.toml)
from allauth.account.internal.flows.email_verification import verify_email
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.errors import Conflict, InvalidInput, NotAllowed

from . import signals
from .mfa import mark_confirmed_by_identity_provider, provider_asked_second_factor
from .models import STAFF_ROLES, ApiToken, PatientIdentity, Role, Sex, StaffInvitation, User
from .notify import (
    notify_old_address,
    notify_second_factor_changed,
    notify_sign_in_method_linked,
    notify_staff_invitation,
)
from .reauth import confirm_identity
from .schemas import IdentityIn, RoleIn, TimeZoneIn


def do_add_user(user: User, *, acting_user) -> User:
    """Save a user an administrator made; the row names the role it starts with."""
    with transaction.atomic():
        user.save()
        record(acting_user, f"user.add.{user.role}", user)
    return user


def do_sign_up(request, form) -> User:
    """Make the account a visitor asked for on the sign-up page: django-allauth's sign-up
    form saves the user (a patient whatever was posted: accounts/adapter.py) and its unverified
    address; the new account is the audit row's actor. It cannot be signed in to until the
    address is verified (do_verify_email)."""
    with transaction.atomic():
        user = SignupForm.save(form, request)
        if user.role != Role.PATIENT or user.is_staff or user.is_superuser:
            raise NotAllowed("A new account is a patient's.")
        record(user, "user.sign_up", user)
    return user


def do_verify_email(request, email_address, *, acting_user) -> bool:
    """Mark an address verified from the link mailed to it (allauth's own step, which also
    makes it the account's one address, replacing the old one after a change, whose owner is
    then told); False when the link was already used or the address belongs to another
    account (allauth looks at its own address rows; accounts made by invitation or an
    administrator have none, so their addresses are looked up too)."""
    others = filter_users_by_email(email_address.email)
    if any(other.pk != email_address.user_id for other in others):
        return False
    with transaction.atomic():
        before = User.objects.filter(pk=email_address.user_id).values_list(
            "email", flat=True).first() or ""
        verified = verify_email(request, email_address)
        if verified:
            record(acting_user, "user.email_verified", email_address.user)
            if before and before.lower() != email_address.email.lower():
                notify_old_address(before)
    return verified


def do_request_email_change(request, user: User, email: str, secret: str, *,
                            acting_user) -> None:
    """Mail a link to the address ``user`` wants instead of theirs, once they have given their
    password (or a current code): the new address replaces the old only when the link is
    opened (do_verify_email). An address of another account gets nothing, and the answer is
    the same as for any other, so a change does not reveal who has an account."""
    if acting_user is None or acting_user.pk != user.pk:
        raise NotAllowed("Only the account's owner can change its email address.")
    email = (email or "").strip().lower()
    if email == (user.email or "").lower():
        raise InvalidInput({"email": "This is already your email address."})
    confirm_identity(request, user, secret, field="password")
    with transaction.atomic():
        taken = any(other.pk != user.pk for other in filter_users_by_email(email))
        if not taken:
            # allauth's own step: keeps one pending address, mails it the link.
            EmailAddress.objects.add_new_email(request, user, email)
        record(acting_user, "user.email_change_requested", user)


def do_change_role(user: User, role: str, *, acting_user) -> None:
    """Give ``user`` another role; nobody changes their own (an administrator could
    otherwise make itself a coordinator and read every case). Made staff, they keep no second
    factor set up on first use; a set-up link gives them one."""
    role = RoleIn.read({"role": role}).role
    if acting_user is not None and acting_user.pk == user.pk:
        raise NotAllowed("You cannot change your own role; ask another administrator.")
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.role not in settings.TWO_FACTOR_ROLES and role in settings.TWO_FACTOR_ROLES:
            _forget_factors_set_up_on_trust(current, acting_user)
        changed = User.objects.filter(pk=user.pk).exclude(role=role).update(role=role)
        if changed:
            record(acting_user, f"user.role.{role}", user)
    user.role = role


def _forget_factors_set_up_on_trust(user: User, acting_user) -> None:
    """Second factors set up on first use (a patient's, a caregiver's: whoever had the
    password could have) do not open a staff role: they go (each its audit row, the owner
    told), and the new member's first one is enrolled on a set-up link (no trust on first
    use: accounts/mfa.password_sign_in_refusal)."""
    if _remove_all_factors(user, acting_user):
        notify_second_factor_changed(user.pk, "removed")


def _remove_all_factors(user: User, acting_user) -> bool:
    """Remove every second factor of ``user`` through do_remove_authenticator (each its audit
    row; the recovery codes last), telling nobody yet; False when there was none."""
    from allauth.mfa.models import Authenticator

    mine = Authenticator.objects.filter(user_id=user.pk)
    if not mine.exists():
        return False
    while (one := mine.exclude(type=Authenticator.Type.RECOVERY_CODES).first()) is not None:
        do_remove_authenticator(one, acting_user=acting_user, notify=False)
    for codes in mine.all():
        do_remove_authenticator(codes, acting_user=acting_user, notify=False)
    return True


# Fields of an account whose change can open another person's data (an email change followed
# by a reset link takes the account over): each change is its own audit row.
ACCESS_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser")


def record_account_changes(user: User, changed: list[str], *, acting_user) -> None:
    """Audit each access-relevant field an administrator changed on ``user``; an address an
    administrator replaced stops signing in (and receiving links) at once."""
    if "email" in changed:
        _replace_addresses(user)  # its rows locked before the audit rows (audit/trail.py)
    for name in ACCESS_FIELDS:
        if name in changed:
            record(acting_user, f"user.change.{name}", user)


def _replace_addresses(user: User) -> None:
    """allauth's address rows of ``user`` follow the address an administrator set: the old
    ones go (sign-in by a verified address row would otherwise still take the old one), and
    the new one, vouched for by the administrator, is the account's verified address."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    if user.email:
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email,
            defaults={"email": user.email.lower(), "verified": True, "primary": True})


def do_set_password_by_admin(user: User, password: str | None, *, acting_user) -> None:
    """Set (or, with None, disable) another user's password from the administration."""
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        record(acting_user, "user.password_reset", user)


def do_issue_api_token(user: User, name: str, *, acting_user, **options):
    """Issue a personal API token; returns (token, the raw token shown once)."""
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name, **options)
        record(acting_user, "api_token.issue", token)
    return token, raw


def do_revoke_api_token(token: ApiToken, *, acting_user) -> bool:
    """Revoke a token still active; False if it already was not."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        if revoked:
            record(acting_user, "api_token.revoke", token)
    return bool(revoked)


def do_activate_totp(user: User, secret: str, *, acting_user):
    """Keep the authenticator app whose first code the user just typed (the secret was in
    their session: allauth.mfa's get_totp_secret), with a first set of recovery codes when
    they have none; returns the TOTP authenticator."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if Authenticator.objects.filter(user_id=user.pk,
                                        type=Authenticator.Type.TOTP).exists():
            raise NotAllowed("This account already has an authenticator app.")
        totp = TOTP.activate(user, secret).instance
        record(acting_user, "mfa.totp.activate", totp)
        if not Authenticator.objects.filter(user_id=user.pk,
                                            type=Authenticator.Type.RECOVERY_CODES).exists():
            record(acting_user, "mfa.recovery_codes.generate",
                   RecoveryCodes.activate(user).instance)
        notify_second_factor_changed(user.pk, "totp.added")
    return totp


def do_add_passkey(user: User, name: str, credential: dict, *, acting_user):
    """Keep a passkey (WebAuthn) whose registration the browser just completed and allauth.mfa
    verified (accounts/views.add_passkey), with a first set of recovery codes when the user
    has none; returns its authenticator."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.webauthn.internal.auth import WebAuthn

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        passkey = WebAuthn.add(user, name, credential).instance
        record(acting_user, "mfa.webauthn.add", passkey)
        if not Authenticator.objects.filter(user_id=user.pk,
                                            type=Authenticator.Type.RECOVERY_CODES).exists():
            record(acting_user, "mfa.recovery_codes.generate",
                   RecoveryCodes.activate(user).instance)
        notify_second_factor_changed(user.pk, "webauthn.added")
    return passkey


REMOVED = {"totp": "mfa.totp.deactivate", "recovery_codes": "mfa.recovery_codes.remove",
           "webauthn": "mfa.webauthn.remove"}


LAST_FACTOR = ("This is your only second factor, and your role needs one: add another (an "
               "authenticator app or a passkey) before you remove this one.")


def do_remove_authenticator(authenticator, *, acting_user, notify: bool = True) -> None:
    """Remove one of a user's second factors (their own, or an administrator resetting it);
    recovery codes go with the last other factor, as allauth.mfa does. A staff member does not
    remove their own last one (they could not sign in again: no trust on first use); an
    administrator's reset does (do_reset_second_factor). The owner is told (``notify``)."""
    from allauth.mfa.models import Authenticator

    with transaction.atomic():
        owner = User.objects.select_for_update().get(pk=authenticator.user_id)
        others = Authenticator.objects.filter(user_id=owner.pk).exclude(
            type=Authenticator.Type.RECOVERY_CODES).exclude(pk=authenticator.pk)
        own = acting_user is not None and acting_user.pk == owner.pk
        if own and owner.needs_two_factor and not others.exists() \
                and authenticator.type != Authenticator.Type.RECOVERY_CODES:
            raise NotAllowed(LAST_FACTOR)
        record(acting_user, REMOVED[authenticator.type], authenticator)
        authenticator.delete()
        left = Authenticator.objects.filter(user_id=authenticator.user_id)
        if not left.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
            for codes in left:
                record(acting_user, REMOVED[codes.type], codes)
                codes.delete()
        if notify:
            notify_second_factor_changed(owner.pk, "removed")


def do_generate_recovery_codes(user: User, *, acting_user):
    """New recovery codes in place of the old ones (which stop working); only for an account
    with another second factor."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        mine = Authenticator.objects.filter(user_id=user.pk)
        if not mine.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
            raise NotAllowed("Set up an authenticator app before recovery codes.")
        mine.filter(type=Authenticator.Type.RECOVERY_CODES).delete()
        codes = RecoveryCodes.activate(user).instance
        record(acting_user, "mfa.recovery_codes.generate", codes)
        notify_second_factor_changed(user.pk, "recovery_codes.new")
    return codes


def do_use_recovery_code(user: User, code: str, *, acting_user):
    """Sign in with one of the account's recovery codes instead of the app's code: each
    works once (accounts/codes.check_recovery_code). Returns the Outcome, and the
    authenticator when accepted."""
    from .codes import WRONG_RECOVERY, Outcome, check_recovery_code
    from .mfa import recovery_codes_of

    codes = recovery_codes_of(user)
    if codes is None:
        return Outcome(False, WRONG_RECOVERY), None
    with transaction.atomic():
        outcome = check_recovery_code(codes, code)
        if outcome.accepted:
            record(acting_user, "mfa.recovery_codes.use", codes)
    return outcome, codes if outcome.accepted else None


def gives_identity(user) -> bool:
    """Patients say who they are (their records are checked against it); nobody else."""
    return user.is_authenticated and user.role == Role.PATIENT


def do_save_identity(patient: User, data: "dict | IdentityIn", *, acting_user
                     ) -> PatientIdentity:
    """The patient's own legal name, birth date, sex and record number: who their records
    must be about. Only the patient gives it. The records of their cases are judged again
    against it (``signals.identity_changed``, heard by records)."""
    if acting_user is None or acting_user.pk != patient.pk or not gives_identity(patient):
        raise NotAllowed("Only the patient can say who they are.")
    given = IdentityIn.read(data)
    with transaction.atomic():
        identity, _ = PatientIdentity.objects.select_for_update().get_or_create(
            user=patient, defaults={"given_names": given.given_names,
                                    "family_name": given.family_name,
                                    "birth_date": given.birth_date.isoformat()})
        identity.given_names, identity.family_name = given.given_names, given.family_name
        identity.birth_date = given.birth_date.isoformat()
        identity.sex = given.sex or Sex.UNKNOWN
        identity.record_number = given.record_number
        identity.record_number_issuer = given.record_number_issuer
        identity.save()
        signals.identity_changed.send(PatientIdentity, patient=patient)
        record(acting_user, "identity.save", identity)
    return identity


# -- Time zones (docs/work-queue.md, "Scheduling and time zones") -------------------------

def do_set_time_zone(user: User, time_zone: str, *, acting_user) -> User:
    """The time zone ``user`` reads every time in (their own choice; "" for the program's
    TIME_ZONE). Only the account's owner sets it."""
    if acting_user is None or acting_user.pk != user.pk:
        raise NotAllowed("Only the account's owner chooses its time zone.")
    chosen = TimeZoneIn.read({"time_zone": time_zone}).time_zone
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(time_zone=chosen)
        user.time_zone = chosen
        record(acting_user, "user.time_zone", user)
    return user


def do_link_identity_provider(link, user: User, *, acting_user) -> None:
    """Save the link (allauth's SocialAccount: the provider and its subject, ``sub``) between
    the hospital's identity provider and the staff account it matched by a verified address
    (accounts/sso.py), so that later sign-ins find the account by the subject alone. The
    member is emailed that a sign-in method was linked."""
    if user.role not in settings.TWO_FACTOR_ROLES or not user.is_active or user.closed_at:
        raise NotAllowed("Only an active staff account is linked to the identity provider.")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if type(link).objects.filter(user_id=user.pk, provider=link.provider).exists():
            raise NotAllowed("This account is already linked to another identity.")
        link.user = user
        link.save()
        record(acting_user, "user.identity_provider.link", link)
        notify_sign_in_method_linked(user.email)


def do_sign_in_with_identity_provider(request, link, *, acting_user) -> None:
    """Note a sign-in through the identity provider, by the link that found the account. When
    the program trusts the provider's second factor (OIDC_TRUSTS_MFA) and the ID token says it
    asked one (its ``amr``), the session counts as past the second factor while the link
    exists (accounts/mfa.confirmed); otherwise Consilium asks its own next."""
    with transaction.atomic():
        record(acting_user, "user.sign_in.identity_provider", link)
    if settings.OIDC_TRUSTS_MFA and provider_asked_second_factor(
            link.extra_data.get("id_token") or {}):
        mark_confirmed_by_identity_provider(request, link)


def do_unlink_identity_provider(link, *, acting_user) -> None:
    """Remove a staff account's link to the identity provider (an administrator, e.g. when the
    hospital gave the address to someone else): the next sign-in there matches by address
    again, and sessions that passed the second factor there no longer count as passed."""
    with transaction.atomic():
        record(acting_user, "user.identity_provider.unlink", link)
        type(link).objects.filter(pk=link.pk).delete()


# Staff accounts (issue #21): an administrator invites a coordinator, specialist or
# administrator by email; the link is where the invitee chooses a password and enrols the
# second factor, and the invitation is spent only then (accounts/joining.py, the page).

def join_link(raw: str) -> str:
    """The address of the page behind a staff invitation (accounts/joining.py)."""
    return f"{settings.SITE_URL}/join/{raw}/"


def account_with_address(email: str) -> User | None:
    """The account that signs in with ``email`` (its username, its address or a verified
    address of allauth's), if any."""
    from django.db.models import Q

    found = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
    return found or next(iter(filter_users_by_email(email)), None)


def _mailbox(email: str) -> str:
    """The address as mail is delivered to it, lower case: its domain in IDNA's ASCII form
    (which drops a zero-width space or a soft hyphen and folds full-width letters, as the mail
    would), so that an address that only looks different from a member's is found as theirs,
    and a look-alike domain shows as what it is (xn--…). A local part outside ASCII (a dotless
    ı, which Django's check lets by) is left for that check to refuse."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local.isascii():
        return "not an address"
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "not an address"
    return f"{local}@{domain}".lower()


def _invitation_input(email: str, role: str) -> tuple[str, str]:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = _mailbox(email)
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Enter an email address, like name@example.org."
    if len(email) > (User._meta.get_field("email").max_length or 254):
        errors["email"] = "This address is too long."
    if role not in STAFF_ROLES:
        errors["role"] = "Choose coordinator, specialist or administrator."
    if errors:
        raise InvalidInput(errors)
    return email, role


def do_invite_member(email: str, role: str, *, acting_user, first_name: str = "",
                     last_name: str = "", send: bool = True) -> tuple[StaffInvitation, str]:
    """Invite ``email`` to join in ``role``; returns (the invitation, its link, shown only
    here). The link is mailed to that address (``send``); the first administrator's, made by
    ``manage.py invite_member`` (``acting_user`` None: whoever runs the server), is printed
    instead. An address that already has an account gets no second one: the administrator
    is told (an administrator may know who has an account; the public may not)."""
    from .policy import policy

    if acting_user is not None:
        policy.check(acting_user, None, "invite")
    email, role = _invitation_input(email, role)
    with transaction.atomic():
        if account_with_address(email) is not None:
            raise InvalidInput({"email": "An account with this address exists already. Find "
                                         "it among the members (send it a set-up link there), "
                                         "or change its role in the administration."})
        if StaffInvitation.objects.usable().filter(email__iexact=email).exists():
            raise InvalidInput({"email": "This address has a pending invitation already; "
                                         "resend it from the list instead."})
        invitation = StaffInvitation(email=email, role=role, invited_by=acting_user,
                                     first_name=(first_name or "").strip()[:150],
                                     last_name=(last_name or "").strip()[:150])
        raw = invitation.new_key()
        invitation.save()
        record(acting_user, f"staff_invitation.invite.{role}", invitation)
        if send:
            notify_staff_invitation(email, role, join_link(raw), setup=False)
    return invitation, join_link(raw)


def do_revoke_invitation(invitation: StaffInvitation, *, acting_user) -> None:
    """The link stops working; an account it started (no second factor, so it cannot sign
    in) stays, for a set-up link later."""
    from .policy import policy

    with transaction.atomic():
        current = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        policy.check(acting_user, current, "revoke_invitation")
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        record(acting_user, "staff_invitation.revoke", current)


def do_resend_invitation(invitation: StaffInvitation, *, acting_user) -> str:
    """Mail a new link in place of the old one (which stops working), lasting from now; the
    invitee starts again from choosing a password (their way out if they forgot the one they
    chose before enrolling). Returns the link."""
    from .policy import policy

    with transaction.atomic():
        current = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        policy.check(acting_user, current, "resend_invitation")
        raw = current.new_key()
        current.started_at = None
        current.save(update_fields=["key_hash", "expires_at", "started_at"])
        record(acting_user, "staff_invitation.resend", current)
        notify_staff_invitation(current.email, current.role, join_link(raw),
                                setup=current.user_id is not None)
    return join_link(raw)


def _issue_setup_link(member: User, acting_user) -> tuple[StaffInvitation, str]:
    """A set-up link for ``member`` in place of any earlier one (an expired one too: resent,
    it would work again), mailed to their address."""
    if not member.email:
        raise Conflict("This member has no email address: add one in the administration.")
    StaffInvitation.objects.filter(user=member, accepted_at__isnull=True,
                                   revoked_at__isnull=True).update(revoked_at=timezone.now())
    invitation = StaffInvitation(email=member.email.lower(), role=member.role, user=member,
                                 invited_by=acting_user, first_name=member.first_name,
                                 last_name=member.last_name)
    raw = invitation.new_key()
    invitation.save()
    record(acting_user, "staff_invitation.setup_link", invitation)
    notify_staff_invitation(invitation.email, member.role, join_link(raw), setup=True)
    return invitation, join_link(raw)


def do_send_setup_link(member: User, *, acting_user) -> tuple[StaffInvitation, str]:
    """Mail a set-up link to a member with no second factor (an account added in the Django
    admin, or one whose link expired)."""
    from .policy import policy

    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=member.pk)
        policy.check(acting_user, current, "send_setup_link")
        return _issue_setup_link(current, acting_user)


def _end_sessions(user: User) -> int:
    """Delete every open session of ``user`` (sessions are in the database: Django's default
    engine); returns how many."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = [session.pk for session in Session.objects.filter(expire_date__gt=timezone.now())
             if session.get_decoded().get(SESSION_KEY) == str(user.pk)]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def do_reset_second_factor(member: User, *, acting_user) -> StaffInvitation:
    """An administrator removes all of ``member``'s second factors (each its audit row), ends
    their open sessions, revokes their API tokens (made with the second factor now in doubt,
    they would outlive the sessions) and mails them a new set-up link; they are told. Nobody
    resets their own (accounts/policy.py)."""
    from .policy import policy

    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=member.pk)
        policy.check(acting_user, current, "reset_second_factor")
        tokens = list(ApiToken.objects.select_for_update().active().filter(user=current))
        for token in tokens:
            do_revoke_api_token(token, acting_user=acting_user)
        _remove_all_factors(current, acting_user)
        _end_sessions(current)
        record(acting_user, "mfa.reset", current)
        invitation, _ = _issue_setup_link(current, acting_user)
        notify_second_factor_changed(current.pk, "reset")
    return invitation


def _password_errors(data: dict, candidate: User) -> dict[str, str]:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    password = data.get("password1") or ""
    if not password:
        return {"password1": "Choose a password."}
    if password != (data.get("password2") or ""):
        return {"password2": "The two passwords are not the same."}
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        return {"password1": " ".join(error.messages)}
    return {}


def _refuse_switched_off(member: User | None, invitation: StaffInvitation) -> None:
    """A set-up link does not bring back an account switched off (or closed) since, nor set up
    one whose address an administrator replaced since (the old one given to someone else,
    perhaps: the link went there)."""
    if member is not None and (not member.is_active or member.closed_at is not None
                               or member.role not in STAFF_ROLES
                               or (member.email or "").lower() != invitation.email.lower()):
        raise Conflict("This account can no longer be set up here. Ask your administrator.")


def do_start_staff_account(invitation: StaffInvitation, data: dict) -> User:
    """The invitee chose their name and password on the link: make their account (username
    and address the invited one, verified, since the link reached it), or set the existing
    member's password. Not signed in yet: the second factor comes first
    (do_accept_staff_invitation). The new account is the audit row's actor."""
    first = (data.get("first_name") or "").strip()[:150]
    last = (data.get("last_name") or "").strip()[:150]
    errors = {} if first else {"first_name": "Enter your given name."}
    with transaction.atomic():
        current = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not current.is_usable():
            raise Conflict("This invitation is no longer valid.")
        _refuse_switched_off(current.user, current)
        user = current.user or User(username=current.email, email=current.email,
                                    role=current.role)
        user.first_name, user.last_name = first, last
        errors = {**errors, **_password_errors(data, user)}
        if errors:
            raise InvalidInput(errors)
        if current.user is None:
            if account_with_address(current.email) is not None:
                raise Conflict("An account with this address exists already. Ask your "
                               "administrator for a set-up link.")
            record_as = "user.join"
        else:
            record_as = "user.join.setup"
        user.set_password(data["password1"])
        user.save()
        if not EmailAddress.objects.filter(user=user, email__iexact=current.email).exists():
            EmailAddress.objects.filter(user=user).update(primary=False)
            EmailAddress.objects.create(user=user, email=current.email, verified=True,
                                        primary=True)
        else:
            EmailAddress.objects.filter(user=user, email__iexact=current.email).update(
                verified=True)
        current.user, current.started_at = user, timezone.now()
        current.save(update_fields=["user", "started_at"])
        record(user, f"{record_as}.{user.role}", user)
        record(user, "staff_invitation.start", current)
    invitation.user, invitation.started_at = user, current.started_at
    return user


def do_accept_staff_invitation(invitation: StaffInvitation, *, totp_secret: str | None = None,
                               passkey: tuple[str, dict] | None = None):
    """Enrol the invitee's first second factor (an authenticator app whose first code they
    typed, or a passkey allauth.mfa verified) and spend the invitation: from now on the link
    gives nothing, and they sign in with their password and that factor. Returns the
    authenticator."""
    with transaction.atomic():
        current = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not current.is_usable() or current.started_at is None or current.user is None:
            raise Conflict("This invitation is no longer valid.")
        user = current.user
        _refuse_switched_off(user, current)
        if totp_secret is not None:
            authenticator = do_activate_totp(user, totp_secret, acting_user=user)
        elif passkey is not None:
            authenticator = do_add_passkey(user, *passkey, acting_user=user)
        else:
            raise InvalidInput({"code": "Set up an authenticator app or a passkey."})
        current.accepted_at = timezone.now()
        current.save(update_fields=["accepted_at"])
        # The member's other links, expired ones too (resent, one would set up again an
        # account that has its second factor now).
        StaffInvitation.objects.filter(user=user, accepted_at__isnull=True,
                                       revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(user, "staff_invitation.accept", current)
    return authenticator

