"""What a user who can see a consultation may do to it, in the state it is in.

The lifecycle itself (which status may follow which) is ``TRANSITIONS`` in models.py; these
rules add who may make each move. Who may *see* a consultation is consultations/access.py.
"""

from consilium.accounts.models import Role
from consilium.cases.policy import policy as case_policy
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import Consultation, ConsultationStatus

policy = Policy("consultation")

# A consultation that ended without an opinion: the case can go to someone else.
ENDED_WITHOUT_OPINION = {
    ConsultationStatus.DECLINED, ConsultationStatus.EXPIRED, ConsultationStatus.WITHDRAWN,
    ConsultationStatus.RELEASED,
}


def is_own(user, consultation: Consultation) -> bool:
    return user.role == Role.SPECIALIST and consultation.specialist.user_id == user.id


def _state(consultation: Consultation, to_status: str, doing: str) -> Conflict | None:
    if consultation.can_move_to(to_status):
        return None
    if consultation.status == to_status:  # a second click, or a second tab
        return Conflict(f"This consultation is already {doing}.")
    return Conflict(f"A consultation that is {consultation.get_status_display().lower()} "
                    f"cannot be {doing}.")


@policy.rule("accept")
def _accept(user, consultation):
    if not is_own(user, consultation):
        return NotAllowed("Only the specialist it was offered to can answer this.")
    return _state(consultation, ConsultationStatus.ACCEPTED, "accepted")


@policy.rule("decline")
def _decline(user, consultation):
    if not is_own(user, consultation):
        return NotAllowed("Only the specialist it was offered to can answer this.")
    return _state(consultation, ConsultationStatus.DECLINED, "declined")


@policy.rule("withdraw")
def _withdraw(user, consultation):
    """Take back an offer not yet answered; a part of a combined review also once accepted,
    as long as it is unsigned (the lead's opinion waits on every open part)."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can withdraw an offer.")
    if consultation.status == ConsultationStatus.ACCEPTED and not consultation.is_part:
        return Conflict("The specialist accepted the case: only they can hand it back.")
    return _state(consultation, ConsultationStatus.WITHDRAWN, "withdrawn")


@policy.rule("release")
def _release(user, consultation):
    if not is_own(user, consultation):
        return NotAllowed("Only the specialist who accepted the case can hand it back.")
    if consultation.status == ConsultationStatus.COMPLETED:
        return Conflict("The opinion is signed: the case can no longer be handed back.")
    return _state(consultation, ConsultationStatus.RELEASED, "handed back")


@policy.rule("reassign")
def _reassign(user, consultation):
    """Offer the case to someone else, after this consultation ended without an opinion
    (declined, expired, withdrawn or handed back): the case policy's "offer", from here."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can offer the case to another specialist.")
    if consultation.is_part:
        return Conflict("This was a part of the review: ask another specialist for it from "
                        "the case page.")
    if consultation.status not in ENDED_WITHOUT_OPINION:
        return Conflict("Withdraw the offer, or have the specialist hand the case back, "
                        "before offering the case to someone else.")
    return case_policy.refusal(user, consultation.case, "offer")


@policy.rule("read_reasons")
def _read_reasons(user, consultation):
    """Read why the consultation ended (the specialist's decline or hand-back, the
    coordinator's withdrawal): written for the coordinators, who offer the case again. The
    case page and ``ConsultationOut`` show the reasons to those this allows, to no one else."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("The reasons a consultation ended are for the coordinators.")
    return None
