from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django_tasks import task

BODY = """Hello,

{what} in {program}: {when}.

{join}The invitation is attached for your calendar. Sign in to {program} for the details:
{link}

For your privacy this email contains no medical details.
"""


def when_for(appointment, person) -> str:
    """The start in the person's own time zone, naming the zone."""
    zone = person.zone
    local = appointment.starts_at.astimezone(zone)
    named = "" if zone.key == f"{local:%Z}" else f" ({zone.key.replace('_', ' ')})"
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M %Z}{named}"


@task()
def send_invitations(appointment_id: str) -> int:
    """Email each participant their own calendar invitation (or cancellation)."""
    from .actions import participants
    from .calendar import invitation
    from .models import Appointment

    appointment = Appointment.objects.select_related(
        "consultation__case", "consultation__specialist", "created_by").get(pk=appointment_id)
    if appointment.is_cancelled:
        what, subject = "An appointment was cancelled", "Appointment cancelled"
    elif appointment.sequence:
        what, subject = "An appointment was moved", "Appointment moved"
    else:
        what, subject = "You have an appointment", "New appointment"
    join = f"Join the video call: {appointment.video_url}\n\n" if appointment.video_url \
        and not appointment.is_cancelled else ""
    link = f"{settings.SITE_URL}/cases/{appointment.consultation.case_id}/"
    messages = []
    for person in participants(appointment):
        if not person.email:
            continue
        message = EmailMessage(
            f"{settings.PROGRAM_NAME}: {subject}",
            BODY.format(what=what, program=settings.PROGRAM_NAME,
                        when=when_for(appointment, person), join=join, link=link),
            settings.DEFAULT_FROM_EMAIL, [person.email])
        method = "CANCEL" if appointment.is_cancelled else "REQUEST"
        message.attach("invitation.ics", invitation(appointment, person, detailed=False),
                       f"text/calendar; method={method}")
        messages.append(message)
    return get_connection().send_messages(messages) or 0

