from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from consilium.fields import seal, unseal

from .models import ReportShare

# The link and the code travel sealed: the task's row in the database, kept after it ran,
# holds only ciphertext under a key that is not in the database.
LINK = "task:opinions.send_report_link.link"
CODE = "task:opinions.send_report_code.code"

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


def queue_report_link(share: ReportShare, link: str, days: int) -> None:
    send_report_link.enqueue(share.pk, seal(link, LINK), days)


def queue_report_code(share: ReportShare, code: str, minutes: int) -> None:
    send_report_code.enqueue(share.pk, seal(code, CODE), minutes)


@task()
def send_report_link(share_id: int, sealed_link: str, days: int) -> int:
    """The link to a shared report; it names neither the patient nor anything medical."""
    share = ReportShare.objects.get(pk=share_id)
    body = LINK_BODY.format(program=settings.PROGRAM_NAME, link=unseal(sealed_link, LINK),
                            days=days)
    return send_mail(f"A document for you in {settings.PROGRAM_NAME}", body,
                     settings.DEFAULT_FROM_EMAIL, [share.email])


@task()
def send_report_code(share_id: int, sealed_code: str, minutes: int) -> int:
    share = ReportShare.objects.get(pk=share_id)
    body = CODE_BODY.format(program=settings.PROGRAM_NAME, code=unseal(sealed_code, CODE),
                            minutes=minutes)
    return send_mail(f"Your {settings.PROGRAM_NAME} code", body,
                     settings.DEFAULT_FROM_EMAIL, [share.email])
