from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from consilium.fields import seal, unseal

from .models import Invitation

# The link travels sealed: the task's row in the database, kept after it ran, holds only
# ciphertext under a key that is not in the database.
LINK = "task:cases.send_invitation.link"

INVITATION_BODY = """Hello,

You are invited to join {program} as a {role}, to see a case that someone shared with you.
Create your account with this link (it works once and expires in {days} days):

{link}

If you did not expect this, ignore this email. For privacy it contains no medical details.
"""


def queue_invitation(invitation: Invitation, link: str) -> None:
    send_invitation.enqueue(invitation.pk, seal(link, LINK))


@task()
def send_invitation(invitation_id: int, sealed_link: str) -> int:
    """Email an invitation link; it names neither the patient nor anything medical."""
    invitation = Invitation.objects.get(pk=invitation_id)
    body = INVITATION_BODY.format(program=settings.PROGRAM_NAME,
                                  role=invitation.get_role_display().lower(),
                                  link=unseal(sealed_link, LINK), days=settings.INVITATION_DAYS)
    return send_mail(f"Your invitation to {settings.PROGRAM_NAME}", body,
                     settings.DEFAULT_FROM_EMAIL, [invitation.email])
