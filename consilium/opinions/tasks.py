from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

LINK_BODY = """Hello,

A patient has sent you a document through {program}, with their consent. Open it with
this link (it works for {days} days, unless the patient withdraws it):

{link}

If you have an account with {program}, sign in to read it; otherwise we will email you a
one-time code. If you did not expect this, ignore this email. For privacy it contains no
medical details.
"""

CODE_BODY = """Hello,

Your one-time code for {program} is {code}. It works for {minutes} minutes.

If you did not ask for it, ignore this email.
"""


@task()
def send_report_link(email: str, link: str, days: int) -> int:
    """The link to a shared report; it names neither the patient nor anything medical."""
    body = LINK_BODY.format(program=settings.PROGRAM_NAME, link=link, days=days)
    return send_mail(f"A document for you in {settings.PROGRAM_NAME}", body,
                     settings.DEFAULT_FROM_EMAIL, [email])


@task()
def send_report_code(email: str, code: str, minutes: int) -> int:
    body = CODE_BODY.format(program=settings.PROGRAM_NAME, code=code, minutes=minutes)
    return send_mail(f"Your {settings.PROGRAM_NAME} code", body,
                     settings.DEFAULT_FROM_EMAIL, [email])
