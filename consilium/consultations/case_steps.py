"""What a case's steps do to its consultations: connected in apps.py to the signals that
cases' actions send inside their transactions (cases sit below consultations, so they cannot
call these themselves)."""

from . import clock
from .actions import move_consultation
from .models import Consultation, ConsultationStatus


def end_consultations(sender, *, case, user, **kwargs) -> None:
    """The case was withdrawn: its offered and accepted consultations are cancelled."""
    for consultation in Consultation.objects.filter(
            case=case, status__in=[ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED]):
        move_consultation(consultation, ConsultationStatus.CANCELLED, user)


def start_the_clock(sender, *, case, user, **kwargs) -> None:
    """The records are complete: the offered consultation's opinion is due from today."""
    clock.start(case)
