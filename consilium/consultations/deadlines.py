"""The service level's deadlines (measured by clock.py), checked by a background task
(``manage.py check_deadlines``, run by cron or a timer every hour; each step happens once):

- an offer not answered by its answer date expires, and the coordinators are told, so they
  can offer the case to the next proposal (matching leaves out whoever was offered it);
- a specialist is reminded the program's reminder days (terms.access) before the opinion is due;
- an overdue opinion (clock.overdue) is escalated to the coordinators (and the specialist told);
- none of this while the specialist waits on the patient's answer (the clock is stopped).

Notices never carry health data: fixed wording and a link.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import Case, EventKind
from consilium.errors import Conflict

from . import clock
from .actions import move_consultation
from .models import Consultation, ConsultationStatus


@dataclass
class Checked:
    expired: int = 0
    reminded: int = 0
    escalated: int = 0


def check_deadlines() -> Checked:
    today = timezone.localdate()
    checked = Checked()
    late_offers = Consultation.objects.filter(status=ConsultationStatus.OFFERED,
                                              answer_due__lt=today).select_related("case")
    for consultation in late_offers:
        if _expire(consultation):
            checked.expired += 1
    if checked.expired:
        notify_role(Role.COORDINATOR, "An offer expired unanswered in Consilium")

    # While the specialist waits on the patient, the clock is stopped: no reminder, no
    # escalation (the due date moves when the patient answers).
    checked.reminded = _step(
        Consultation.objects.filter(clock.due_soon(today), reminded_at__isnull=True),
        "reminded_at", EventKind.REMINDED, "consultation.remind",
        "An opinion is due soon")
    checked.escalated = _step(
        Consultation.objects.filter(clock.overdue(today), escalated_at__isnull=True),
        "escalated_at", EventKind.OVERDUE, "consultation.escalate",
        "An opinion is overdue")
    if checked.escalated:
        notify_role(Role.COORDINATOR, "An opinion is overdue in Consilium")
    return checked


def _expire(consultation: Consultation) -> bool:
    """The offer was not answered in time; False if it was answered or withdrawn meanwhile."""
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(id=consultation.case_id)  # see _mark
            move_consultation(consultation, ConsultationStatus.EXPIRED, None)
            add_event(case, EventKind.EXPIRED, None)
    except Conflict:
        return False
    return True


def _step(due, field: str, kind: str, action: str, subject: str) -> int:
    """Take one step for each consultation in ``due`` and tell its specialist."""
    done = 0
    for consultation in due.select_related("case", "specialist"):
        if _mark(consultation, field, kind, action):
            notify_users([consultation.specialist.user_id], subject, consultation.case)
            done += 1
    return done


def _mark(consultation: Consultation, field: str, kind: str, action: str) -> bool:
    """Set the step's time once (a second run, or a second worker, does nothing).

    The case is locked first, as every action locks a case before its consultations (the
    event's insert would wait on the case while this holds the consultation)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(id=consultation.case_id)
        marked = Consultation.objects.filter(id=consultation.id, **{f"{field}__isnull": True}
                                             ).update(**{field: timezone.now()})
        if marked:
            add_event(case, kind, None)
            record(None, action, consultation, case_id=consultation.case_id)
    return bool(marked)
