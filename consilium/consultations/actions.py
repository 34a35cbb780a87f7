"""Offering a case to a specialist, the specialist's answer, and the service level's clock."""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, Event, EventKind, Status
from consilium.directory.models import Specialist
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.forms import object_id

from . import service_level
from .models import Consultation, ConsultationStatus

OFFERABLE_STATES = {Status.SUBMITTED, Status.RECORDS_COMPLETE}


def same_hospital_system(case: Case, specialist: Specialist) -> bool:
    """The specialist works in the first opinion's hospital system or facility (or in that
    of an earlier second opinion on this case)."""
    from consilium.directory.matching import systems_of, systems_to_avoid

    return bool(systems_to_avoid(case) & systems_of(specialist))


def may_offer(case: Case, user) -> bool:
    """Coordinators offer cases; patients choose their specialist where the program lets
    them (settings.PATIENTS_CHOOSE_SPECIALIST)."""
    return user.role == Role.COORDINATOR or (
        settings.PATIENTS_CHOOSE_SPECIALIST and case.patient_id == user.id)


def require_offer(case: Case, user) -> None:
    """Raise unless ``user`` may offer ``case`` (a ``check`` for the offering pages too)."""
    if not may_offer(case, user):
        raise NotAllowed("Only a coordinator can offer a case to a specialist.")


def do_offer_consultation(case: Case, specialist_id, *, acting_user) -> Consultation:
    require_offer(case, acting_user)
    specialist = Specialist.objects.filter(id=object_id(specialist_id) or 0).first()
    if specialist is None:
        raise InvalidInput({"specialist_id": "Choose a specialist from the directory."})
    if not specialist.accepting_cases:
        raise InvalidInput({"specialist_id": f"{specialist.name} is not taking new cases."})
    if same_hospital_system(case, specialist):
        raise InvalidInput(
            {"specialist_id": "A second opinion must come from outside the first opinion's "
                              "hospital system."}
        )
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        if current.status not in OFFERABLE_STATES:
            raise Conflict(
                f"A case that is {current.get_status_display().lower()} cannot be offered."
            )
        try:
            with transaction.atomic():
                today = timezone.localdate()
                records_on = records_complete_on(current)
                consultation = Consultation.objects.create(
                    case=current, specialist=specialist, offered_by=acting_user,
                    answer_due=service_level.answer_due(today),
                    due_date=service_level.opinion_due(records_on) if records_on else None,
                )
        except IntegrityError:
            raise Conflict(
                "This case is already offered to or accepted by a specialist."
            ) from None
        add_event(current, EventKind.OFFERED, acting_user, note=specialist.name)
        record(acting_user, "consultation.offer", consultation, case_id=current.id)
    notify_users([specialist.user_id], "A case was offered to you")
    return consultation


def _require_own(consultation: Consultation, user) -> None:
    if consultation.specialist.user_id != user.id:
        raise NotAllowed("Only the specialist it was offered to can answer this.")


def _answer(consultation: Consultation, user, new_status: str, **fields) -> None:
    """Conditionally move an offered consultation; a second answer loses cleanly."""
    now = timezone.now()
    answered = Consultation.objects.filter(
        id=consultation.id, status=ConsultationStatus.OFFERED
    ).update(status=new_status, responded_at=now, **fields)
    if not answered:
        raise Conflict(
            f"This consultation is already {consultation.get_status_display().lower()}."
        )
    consultation.status, consultation.responded_at = new_status, now
    for name, value in fields.items():
        setattr(consultation, name, value)


def records_complete_on(case: Case) -> date | None:
    """The day the coordinator marked the case's records complete, if they did."""
    event = Event.objects.filter(case=case, kind=EventKind.STATUS,
                                 to_status=Status.RECORDS_COMPLETE).order_by("at").first()
    return timezone.localdate(event.at) if event else None


def start_the_clock(case: Case) -> None:
    """The records are complete: the open offer's opinion is due a service level from
    today. Call inside the transaction that marks them complete."""
    Consultation.objects.filter(case=case, status=ConsultationStatus.OFFERED).update(
        due_date=service_level.opinion_due(timezone.localdate()))


def do_accept_consultation(consultation: Consultation, *, acting_user) -> Consultation:
    _require_own(consultation, acting_user)
    # Accepted before the records were marked complete: they are taken as sent, and the
    # clock starts now.
    due = consultation.due_date or service_level.opinion_due(timezone.localdate())
    with transaction.atomic():
        case = Case.objects.select_for_update().get(id=consultation.case_id)
        _answer(consultation, acting_user, ConsultationStatus.ACCEPTED, due_date=due)
        move_case(case, Status.SPECIALIST_ASSIGNED, acting_user)
        add_event(case, EventKind.ACCEPTED, acting_user, note=consultation.specialist.name)
        record(acting_user, "consultation.accept", consultation, case_id=case.id)
    notify_users([case.patient_id], "A specialist accepted your case")
    return consultation


def do_decline_consultation(consultation: Consultation, reason: str, *, acting_user):
    _require_own(consultation, acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Say why, so the coordinator can find someone else."})
    if len(reason) > 2000:
        raise InvalidInput({"reason": "Keep the reason under 2000 characters."})
    with transaction.atomic():
        _answer(consultation, acting_user, ConsultationStatus.DECLINED, decline_reason=reason)
        add_event(
            consultation.case, EventKind.DECLINED, acting_user, note=consultation.specialist.name
        )
        record(acting_user, "consultation.decline", consultation, case_id=consultation.case_id)
    notify_role(Role.COORDINATOR, "A specialist declined a case")
    return consultation
