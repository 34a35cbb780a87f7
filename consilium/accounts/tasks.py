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
