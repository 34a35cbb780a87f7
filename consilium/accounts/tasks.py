from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django_tasks import task

NOTICE_BODY = (
    "Hello,\n\nThere is an update in {program} that needs your attention: {subject}.\n"
    "Sign in to see it.\n\nFor your privacy this email contains no medical details.\n"
)


@task()
def send_notice(user_ids: list[int], subject: str) -> int:
    """Email a notice that carries no health data, only a prompt to sign in."""
    users = get_user_model().objects.filter(id__in=user_ids, is_active=True).exclude(email="")
    body = NOTICE_BODY.format(program=settings.PROGRAM_NAME, subject=subject.lower())
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
