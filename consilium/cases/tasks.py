from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

INVITATION_BODY = """Hello,

You are invited to join {program} as a {role}, to see a case that someone shared with you.
Create your account with this link (it works once and expires in {days} days):

{link}

If you did not expect this, ignore this email. For privacy it contains no medical details.
"""


@task()
def send_invitation(email: str, link: str, role: str) -> int:
    """Email an invitation link; it names neither the patient nor anything medical."""
    body = INVITATION_BODY.format(program=settings.PROGRAM_NAME, role=role.lower(), link=link,
                                  days=settings.INVITATION_DAYS)
    return send_mail(f"Your invitation to {settings.PROGRAM_NAME}", body,
                     settings.DEFAULT_FROM_EMAIL, [email])
