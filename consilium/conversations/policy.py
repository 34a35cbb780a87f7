"""Who may do what with a case's messages: read them, write to everyone on the case, keep a
care-team note, ask the question work waits on, answer it.

The object of every rule is the case (the access helpers have already decided that the user
may see it). Each message has an audience (``Audience``): everyone on the case (the patient,
caregivers and treating physicians the patient shared the case with, the coordinators, the
specialist), or the care team only (the coordinators and the specialist who accepted the
case). A shared physician and a specialist who was offered the case but has not accepted it
write to everyone, but are not the care team: they never see its notes. See
docs/decisions/0002-message-audience.md.
"""

from enum import Enum

from consilium.accounts.models import Role
from consilium.cases.models import Case, Share
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import Audience, Message

policy = Policy("message")

CLOSED = "This case is closed; its messages can be read but not added to."


class Standing(Enum):
    """Where a user stands in a case's messages."""

    PATIENT_SIDE = "patient side"  # the patient, or a caregiver they shared the case with
    PHYSICIAN = "physician"  # a treating physician they shared the case with
    CARE_TEAM = "care team"  # a coordinator, or the specialist who accepted the case
    OFFERED = "offered"  # a specialist offered the case, not (yet) accepted
    NONE = "none"


def standing(user, case: Case) -> Standing:
    """One cheap look-up at most (the share or the consultation), none for the patient and
    coordinators."""
    if not user.is_authenticated or not user.is_active:
        return Standing.NONE
    if user.role == Role.PATIENT:
        return Standing.PATIENT_SIDE if case.patient_id == user.id else Standing.NONE
    if user.role == Role.COORDINATOR:
        return Standing.CARE_TEAM
    if user.role in (Role.CAREGIVER, Role.PHYSICIAN):
        shared = Share.objects.filter(case=case, grantee=user, revoked_at__isnull=True).exists()
        if not shared:
            return Standing.NONE
        return Standing.PATIENT_SIDE if user.role == Role.CAREGIVER else Standing.PHYSICIAN
    if user.role == Role.SPECIALIST:
        statuses = _statuses(user, case)
        if statuses & {ConsultationStatus.ACCEPTED, ConsultationStatus.COMPLETED}:
            return Standing.CARE_TEAM
        if ConsultationStatus.OFFERED in statuses:
            return Standing.OFFERED
    return Standing.NONE


def _statuses(user, case: Case) -> set[str]:
    """The statuses of the user's consultations on the case; from the case page's prefetched
    consultations when there are some (the page asks several rules, without a query each)."""
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("consultations")
    if prefetched is not None:
        return {c.status for c in prefetched if c.specialist.user_id == user.id}
    return set(Consultation.objects.filter(case=case, specialist__user=user)
               .values_list("status", flat=True))


@policy.rule("read")
def _read(user, case: Case):
    if standing(user, case) is Standing.NONE:
        return NotAllowed("Messages are between the patient, the people they share the case "
                          "with, the coordinators and the specialist.")
    return None


@policy.rule("post")
def _post(user, case: Case):
    """Write to everyone on the case."""
    return _read(user, case) or (None if case.is_open else Conflict(CLOSED))


@policy.rule("read_staff_notes")
def _read_staff_notes(user, case: Case):
    if standing(user, case) is not Standing.CARE_TEAM:
        return NotAllowed("Care-team notes are for the coordinators and the specialist who "
                          "accepted the case.")
    return None


@policy.rule("post_staff_note")
def _post_staff_note(user, case: Case):
    """Write to the care team only; the patient's side and shared physicians never see it."""
    if _read_staff_notes(user, case) is not None:
        return NotAllowed("Only the coordinators and the specialist who accepted the case "
                          "write care-team notes. Send your message to everyone on the case.")
    return None if case.is_open else Conflict(CLOSED)


@policy.rule("ask_blocking")
def _ask_blocking(user, case: Case):
    """Ask the patient a question work on the opinion waits for (the clock stops)."""
    if user.role != Role.SPECIALIST:
        return NotAllowed("Only the specialist marks a new question as one they wait for.")
    statuses = _statuses(user, case)
    if ConsultationStatus.ACCEPTED in statuses:
        return None if case.is_open else Conflict(CLOSED)
    if ConsultationStatus.OFFERED in statuses:
        return Conflict("Accept the case before asking a question that work waits on.")
    return NotAllowed("Only the specialist working on the case asks a question that work "
                      "waits on.")


@policy.rule("answer")
def _answer(user, case: Case):
    """Answer the specialist's open question (the patient or a caregiver): the clock runs
    again once no question is left open."""
    if standing(user, case) is not Standing.PATIENT_SIDE:
        return NotAllowed("Only the patient or a caregiver answers the specialist's question.")
    if not case.is_open:
        return Conflict(CLOSED)
    waiting = Message.objects.filter(case=case, blocking=True, answered_at__isnull=True,
                                     audience=Audience.CASE).exists()
    return None if waiting else Conflict("No question is waiting for an answer.")
