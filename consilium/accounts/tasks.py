from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django_tasks import task

NOTICE_BODY = (
    "Hello,\n\nThere is an update in {program} that needs your attention: {subject}.\n"
    "Sign in to see it.\n\nFor your privacy this email contains no medical details.\n"
)
CASE_NOTICE_BODY = (
    "Hello,\n\nThere is an update in {program} that needs your attention: {subject}, on case "
    "{reference}.\nSign in to see it: {link}\n\nFor your privacy this email contains no "
    "medical details.\n"
)


@task()
def send_notice(user_ids: list[int], subject: str, case_id: str = "",
                reference: str = "") -> int:
    """Email a notice that carries no health data, only a prompt to sign in: about one case,
    its reference and the link to its page (an opaque ID)."""
    users = get_user_model().objects.filter(id__in=user_ids, is_active=True).exclude(email="")
    words = {"program": settings.PROGRAM_NAME, "subject": subject[:1].lower() + subject[1:]}
    if case_id:
        body = CASE_NOTICE_BODY.format(**words, reference=reference,
                                       link=f"{settings.SITE_URL}/cases/{case_id}/")
        subject = f"{subject} (case {reference})"
    else:
        body = NOTICE_BODY.format(**words)
    messages = [
        (f"{settings.PROGRAM_NAME}: {subject}", body, settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in users
    ]
    return send_mass_mail(messages, fail_silently=False)


ADDRESS_CHANGED_BODY = (
    "Hello,\n\nThe email address of your account with {program} was changed, and from now on "
    "we write to the new one.\n\nIf you did not change it, someone else may be using your "
    "account: reset your password now, and tell the program.\n"
)


@task()
def send_address_changed(old_email: str) -> int:
    """Tell an account's old address that the account now uses another (not which one)."""
    subject = f"{settings.PROGRAM_NAME}: your email address was changed"
    body = ADDRESS_CHANGED_BODY.format(program=settings.PROGRAM_NAME)
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [old_email])],
                          fail_silently=False)


ACCOUNT_CLOSED_BODY = (
    "Hello,\n\nYour account with {program} is closed, as you asked. You can no longer sign in, "
    "your open requests were withdrawn, and links you shared no longer work.\n\nThe law "
    "requires us to keep the records of your cases for {years} years. After that they are "
    "erased. Until then no one uses them for anything new.\n\nIf you did not close your "
    "account, contact the program at once.\n"
)


@task()
def send_account_closed(email: str) -> int:
    """Confirm to a patient that their account is closed (no health data, no link)."""
    subject = f"{settings.PROGRAM_NAME}: your account is closed"
    years = max(1, settings.RETENTION_DAYS // 365)
    body = ACCOUNT_CLOSED_BODY.format(program=settings.PROGRAM_NAME, years=years)
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [email])],
                          fail_silently=False)


SIGN_IN_METHOD_LINKED_BODY = (
    "Hello,\n\nA sign-in method was linked to your account with {program}: {method}. From "
    "now on you can sign in with it.\n\nIf you did not sign in that way, tell the program's "
    "administrator at once.\n"
)


@task()
def send_sign_in_method_linked(email: str) -> int:
    """Tell a staff member that their hospital account now signs them in (fixed wording)."""
    subject = f"{settings.PROGRAM_NAME}: a sign-in method was linked to your account"
    body = SIGN_IN_METHOD_LINKED_BODY.format(program=settings.PROGRAM_NAME,
                                             method=settings.OIDC_NAME)
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [email])],
                           fail_silently=False)


# A staff invitation's link travels sealed, like a case invitation's (cases/tasks.py): the
# task's row in the database, kept after it ran, holds only ciphertext.
STAFF_LINK = "task:accounts.send_staff_invitation.link"

STAFF_INVITATION_BODY = """Hello,

You are invited to join {program} as {role}. Open this link to choose your password and set
up the second step of your sign-in (an authenticator app on your phone, or a passkey):

{link}

The link works once, and for {days} days. If you did not expect this, ignore this email.
For privacy it contains no medical details.
"""

SETUP_LINK_BODY = """Hello,

An administrator of {program} made you a new link to set up your account: to choose your
password and the second step of your sign-in (an authenticator app on your phone, or a
passkey). Until you do, you cannot sign in. Open this link:

{link}

The link works once, and for {days} days. If you did not expect this, tell your
administrator. For privacy this email contains no medical details.
"""

ROLE_WORDS = {"coordinator": "a coordinator", "specialist": "a specialist",
              "admin": "an administrator"}


@task()
def send_staff_invitation(email: str, role: str, sealed_link: str, setup: bool) -> int:
    """Email a staff invitation (or a set-up link for an existing member) to that address
    only; it names no one else and nothing medical."""
    from consilium.fields import unseal

    template, subject = (SETUP_LINK_BODY, "set up your sign-in") if setup else \
        (STAFF_INVITATION_BODY, "your invitation")
    body = template.format(program=settings.PROGRAM_NAME, role=ROLE_WORDS.get(role, role),
                           link=unseal(sealed_link, STAFF_LINK),
                           days=settings.STAFF_INVITATION_DAYS)
    return send_mass_mail([(f"{settings.PROGRAM_NAME}: {subject}", body,
                            settings.DEFAULT_FROM_EMAIL, [email])], fail_silently=False)


# What changed, in fixed words (never a secret, a code or a device's name).
SECOND_FACTOR_CHANGES = {
    "totp.added": "an authenticator app was added",
    "webauthn.added": "a passkey was added",
    "removed": "a second factor was removed",
    "recovery_codes.new": "new recovery codes were made (the old ones no longer work)",
    "reset": "an administrator removed all your second factors and signed you out; "
             "we have sent you a link to set up a new one",
}

SECOND_FACTOR_BODY = """Hello,

The sign-in of your account with {program} changed: {change}.

If this was not you, tell your administrator at once.

For your privacy this email contains no medical details.
"""


@task()
def send_second_factor_changed(user_id: int, change: str) -> int:
    """Tell a member that their second factors changed (fixed wording, SECOND_FACTOR_CHANGES)."""
    user = get_user_model().objects.filter(id=user_id).exclude(email="").first()
    if user is None:
        return 0
    body = SECOND_FACTOR_BODY.format(program=settings.PROGRAM_NAME,
                                     change=SECOND_FACTOR_CHANGES[change])
    subject = f"{settings.PROGRAM_NAME}: your sign-in changed"
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])],
                          fail_silently=False)
