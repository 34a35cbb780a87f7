"""Offering a case to a specialist, their answer, and ending a consultation early: the
coordinator withdraws an unanswered offer, the specialist hands an accepted case back.

Every status change goes through ``move_consultation``, which follows the lifecycle table
(``TRANSITIONS`` in models.py); who may make each move is the policy (policy.py).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, EventKind, Status
from consilium.cases.policy import policy as case_policy
from consilium.directory.models import Specialist
from consilium.errors import Conflict, InvalidInput
from consilium.forms import object_id
from consilium.submissions.once import Once

from . import clock, signals
from .matching import fits_case, same_system
from .models import ACTIVE_STATUSES, STAMPED_AT, Consultation, ConsultationStatus
from .policy import policy
from .schemas import (
    OUTSIDE_SPECIALTIES,
    DeclineIn,
    OfferReasonIn,
    PartIn,
    ReleaseIn,
    WithdrawIn,
)

OFFERABLE_STATES = {Status.SUBMITTED, Status.RECORDS_COMPLETE}
# The audit verb of each move.
VERBS = {
    ConsultationStatus.ACCEPTED: "accept", ConsultationStatus.DECLINED: "decline",
    ConsultationStatus.EXPIRED: "expire", ConsultationStatus.WITHDRAWN: "withdraw",
    ConsultationStatus.RELEASED: "release", ConsultationStatus.CANCELLED: "cancel",
    ConsultationStatus.COMPLETED: "complete",
}


def move_consultation(consultation: Consultation, to_status: ConsultationStatus, user,
                      **fields) -> None:
    """Move a consultation along its lifecycle and write the audit row, or raise Conflict
    and change nothing.

    Call inside a transaction. The update is conditional on the status read, so of two
    concurrent moves (two tabs, the deadline job) the second loses cleanly. ``fields`` are
    written with the status (a reason, a due date); the move's moment is stamped too.
    """
    old = consultation.status
    if not consultation.can_move_to(to_status):
        raise Conflict(f"A consultation that is {ConsultationStatus(old).label.lower()} "
                       f"cannot become {ConsultationStatus(to_status).label.lower()}.")
    fields.setdefault(STAMPED_AT[to_status], timezone.now())
    moved = Consultation.objects.filter(id=consultation.id, status=old).update(
        status=to_status, **fields)
    if not moved:
        now = Consultation.objects.filter(id=consultation.id).values_list(
            "status", flat=True).first()
        raise Conflict(f"This consultation is already {ConsultationStatus(now).label.lower()}."
                       if now else "This consultation no longer exists.")
    consultation.status = to_status
    for name, value in fields.items():
        setattr(consultation, name, value)
    if to_status not in (ConsultationStatus.ACCEPTED, ConsultationStatus.COMPLETED):
        # The receivers lock and end what hangs on the consultation (its appointments), in
        # this transaction, after the case and the consultation (the lock order).
        signals.consultation_ended.send(Consultation, consultation=consultation, user=user)
    record(user, f"consultation.{VERBS[to_status]}", consultation,
           case_id=consultation.case_id)


def locked_consultation(consultation: Consultation) -> tuple[Case, Consultation]:
    """The consultation's case and row as they are now, locked until the transaction ends.

    The case first, as every action takes them (a case's withdrawal locks it, then cancels
    its consultations): taken the other way round, two such actions could each hold the row
    the other waits for. Even an action that writes only the consultation locks its case, as
    its event's insert waits on a locked case (PostgreSQL's key-share lock)."""
    case = Case.objects.select_for_update().get(id=consultation.case_id)
    current = Consultation.objects.select_for_update(of=("self",)).select_related(
        "specialist").get(id=consultation.id)
    current.case = case
    return case, current


def same_hospital_system(case: Case, specialist: Specialist) -> bool:
    """The specialist works in the first opinion's hospital system or facility (or in that
    of an earlier opinion on this case): by identity where the directory links them, else by
    name and similarity, erring on "the same" (matching.same_system)."""
    return same_system(case, specialist)


ALREADY_OFFERED = "This case is already offered to or accepted by a specialist."


def do_offer_consultation(case: Case, specialist_id, *, acting_user, key: str = "",
                          reason=None) -> Consultation:
    """Offer the case to a specialist; who may, and when, is the case policy's "offer".
    ``key``: the request's one-time key: the same offer again (a double click, a retry)
    returns the first consultation; an offer to another specialist is still refused (409).
    ``reason``: why, for a specialist whose specialty does not fit the case's condition
    (``fits_case``): required then, kept on the consultation and flagged to coordinators."""
    once = Once(acting_user, key, Consultation)
    if (done := once.done()) is not None:
        return _same_offer(done, case, specialist_id)
    case_policy.check(acting_user, case, "offer")
    specialist = _offerable_specialist(case, specialist_id)
    reason = OfferReasonIn.read({"reason": reason}).reason
    if fits_case(case, specialist):
        reason = ""  # nothing to flag
    elif not reason:
        raise InvalidInput({"reason": OUTSIDE_SPECIALTIES})
    return _offer(case, specialist, once, "offer", acting_user, offer_reason=reason)


def _offer(case: Case, specialist: Specialist, once: Once, action: str, acting_user,
           **fields) -> Consultation:
    """The offer's writing, for the lead (``action`` "offer") and a part ("offer_part"):
    on the locked case, checked again there; a specialist already on the case, or a second
    lead, is the database's refusal (its constraints), said as a Conflict."""
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        if (done := once.earlier()) is not None:
            return _same_offer(done, case, specialist.id)
        case_policy.check(acting_user, current, action)
        try:
            with transaction.atomic():
                consultation = Consultation.objects.create(
                    case=current, specialist=specialist, offered_by=acting_user, **fields,
                    **clock.due_dates_for_offer(current))
        except IntegrityError:
            raise Conflict(ALREADY_ON_IT if current.consultations.filter(
                specialist=specialist, status__in=ACTIVE_STATUSES).exists()
                else ALREADY_OFFERED) from None
        once.made(consultation)
        part = action == "offer_part"
        add_event(current, EventKind.PART_OFFERED if part else EventKind.OFFERED, acting_user,
                  note=specialist.name)
        record(acting_user, f"consultation.{action}", consultation, case_id=current.id)
    notify_users([specialist.user_id], "A part of a case was offered to you" if part
                 else "A case was offered to you", current)
    return consultation


def _offerable_specialist(case: Case, specialist_id) -> Specialist:
    """The directory's specialist, if they may be offered the case (or a part of it)."""
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
    return specialist


ALREADY_ON_IT = "This specialist already has an offer or a part of this case."


def do_offer_part(case: Case, specialist_id, asked, *, acting_user, key: str = ""
                  ) -> Consultation:
    """Ask a specialist for a part of the review (the case policy's "offer_part"), beside
    the lead: a consultation of its own (``is_part``), with the offer's answer and due dates
    and deadlines. Its specialist, once they accept, writes and signs the part
    (opinions.part_actions); the lead's opinion cannot be signed while a part is open.
    ``key``: the request's one-time key (a double click returns the first part)."""
    once = Once(acting_user, key, Consultation)
    if (done := once.done()) is not None:
        return _same_offer(done, case, specialist_id)
    case_policy.check(acting_user, case, "offer_part")
    specialist = _offerable_specialist(case, specialist_id)
    asked = PartIn.read({"asked": asked}).asked
    return _offer(case, specialist, once, "offer_part", acting_user, is_part=True,
                  part_asked=asked)


def _same_offer(earlier: Consultation, case: Case, specialist_id) -> Consultation:
    """The offer a request with this key made, if it is the same offer."""
    if earlier.case_id != case.id or earlier.specialist_id != object_id(specialist_id):
        raise Conflict(ALREADY_OFFERED)
    return earlier


def offer_check(key: str, action: str = "offer"):
    """The offer page's and API's ``check=``: the case policy's "offer" (or "offer_part"),
    except for a repeat of a request that made an offer (a double click), which the action
    answers with that offer instead of refusing it."""
    may_offer = case_policy.checker(action)

    def check(case: Case, user) -> None:
        if Once(user, key, Consultation).done() is None:
            may_offer(case, user)
    return check


def do_accept_consultation(consultation: Consultation, *, acting_user) -> Consultation:
    """The specialist takes the case, committing to the due date (clock.due_on_accepting)."""
    policy.check(acting_user, consultation, "accept")
    with transaction.atomic():
        case, current = locked_consultation(consultation)
        policy.check(acting_user, current, "accept")
        move_consultation(current, ConsultationStatus.ACCEPTED, acting_user,
                          due_date=clock.due_on_accepting(current))
        if not current.is_part:  # a part's specialist joins the review; the case stays
            move_case(case, Status.SPECIALIST_ASSIGNED, acting_user)
        add_event(case, EventKind.ACCEPTED, acting_user, note=_named(current))
    _refresh(consultation, current)
    notify_users([case.patient_id], "Another specialist joined the review of your case"
                 if current.is_part else "A specialist accepted your case", case)
    return consultation


def _named(consultation: Consultation) -> str:
    """The specialist as the case's history names them; a part's, as such."""
    name = consultation.specialist.name
    return f"{name} (part of the review)" if consultation.is_part else name


def do_decline_consultation(consultation: Consultation, reason: str, *, acting_user):
    policy.check(acting_user, consultation, "decline")
    reason = DeclineIn.read({"reason": reason}).reason
    with transaction.atomic():
        case, current = locked_consultation(consultation)
        policy.check(acting_user, current, "decline")
        move_consultation(current, ConsultationStatus.DECLINED, acting_user,
                          decline_reason=reason)
        add_event(case, EventKind.DECLINED, acting_user, note=_named(current))
    _refresh(consultation, current)
    notify_role(Role.COORDINATOR, "A specialist declined a case", case)
    return consultation


def do_withdraw_consultation(consultation: Consultation, reason: str, *, acting_user
                             ) -> Consultation:
    """The coordinator takes back an offer not yet answered (or a combined review's part not
    yet signed: the lead's opinion need not wait for it). The specialist loses sight of the
    case (cases.access shows them only offered, accepted and completed ones) and is told,
    without health data; the case can be offered to someone else."""
    policy.check(acting_user, consultation, "withdraw")
    reason = WithdrawIn.read({"reason": reason}).reason
    with transaction.atomic():
        case, current = locked_consultation(consultation)
        policy.check(acting_user, current, "withdraw")
        move_consultation(current, ConsultationStatus.WITHDRAWN, acting_user,
                          end_reason=reason)
        add_event(case, EventKind.OFFER_WITHDRAWN, acting_user, note=_named(current))
    _refresh(consultation, current)
    notify_users([current.specialist.user_id], "A part of a case was withdrawn from you"
                 if current.is_part else "An offer to you was withdrawn", case)
    return consultation


def do_release_consultation(consultation: Consultation, reason: str, *, acting_user
                            ) -> Consultation:
    """The specialist hands an accepted case back before signing an opinion. The case returns
    to the queue (records complete, or submitted if they never were), the specialist loses
    sight of it, and the coordinators are told. A draft opinion stays with this consultation:
    it was never shown to anyone else, and no one can go on writing it."""
    policy.check(acting_user, consultation, "release")
    reason = ReleaseIn.read({"reason": reason}).reason
    with transaction.atomic():
        case, current = locked_consultation(consultation)
        policy.check(acting_user, current, "release")
        move_consultation(current, ConsultationStatus.RELEASED, acting_user,
                          end_reason=reason)
        if not current.is_part:  # the lead's going puts the case back in the queue
            back_to = Status.RECORDS_COMPLETE if clock.records_complete_on(case) \
                else Status.SUBMITTED
            move_case(case, back_to, acting_user)
        add_event(case, EventKind.RELEASED, acting_user, note=_named(current))
    _refresh(consultation, current)
    notify_role(Role.COORDINATOR, "A specialist handed a case back", case)
    return consultation


def _refresh(consultation: Consultation, current: Consultation) -> None:
    """Give the caller's object the state the action wrote."""
    for field in Consultation._meta.concrete_fields:
        setattr(consultation, field.attname, getattr(current, field.attname))
