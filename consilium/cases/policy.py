"""What a user who can see a case may do to it, in the state it is in: one rule per action.

Who may *see* a case is decided in ``cases.access``; this decides what they may do. The case
page shows a button exactly when its action is in ``policy.allowed(user, case)``, the API lists
the same set as ``allowed_actions``, and every action in ``cases.actions`` (and the offer in
``consultations.actions``) calls ``policy.check()`` before it writes. See consilium/policy.py.

The decision (``decide``) is the decisions app's rule (decisions/policy.py), the third opinion
the comparison's: each domain writes the rules of its own actions.
"""

from django.conf import settings

from consilium.accounts.models import Role
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .access import is_case_owner
from .models import (
    BACK_TO_QUEUE,
    EDITABLE_STATES,
    INTAKE_STATES,
    OFFERABLE_STATES,
    Case,
    Status,
)

policy = Policy("case")

# The consultation states that keep a case from being offered again: an open offer, or a
# specialist on it (a completed consultation means the case is past offering anyway). Named
# here, not imported, so that cases does not import the consultations layer above it.
HOLDING_STATES = ("offered", "accepted")


def _owner_or_coordinator(user, case: Case) -> bool:
    return is_case_owner(user, case) or user.role == Role.COORDINATOR


def _cannot_move(case: Case, to_status: str) -> Conflict | None:
    """The Conflict ``move_case`` would raise, as the rule's answer (so both say the same).
    A move back to the queue is the consultation's release, never the case's own action."""
    if case.can_move_to(to_status) and to_status not in BACK_TO_QUEUE.get(case.status, ()):
        return None
    return Conflict(f"A case that is {Status(case.status).label.lower()} cannot become "
                    f"{Status(to_status).label.lower()}.")


def _held_by_a_specialist(case: Case) -> bool:
    """An open offer or an accepted consultation to lead the review (the parts of a combined
    review hold nothing); from the page's prefetched consultations when there are some (the
    page asks once per case, without another query)."""
    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("consultations")
    if prefetched is not None:
        return any(c.status in HOLDING_STATES and not c.is_part for c in prefetched)
    return case.consultations.filter(status__in=HOLDING_STATES, is_part=False).exists()


def chooses_specialist(user, case: Case) -> bool:
    """Coordinators offer cases; the patient chooses their specialist where the program lets
    them (settings.PATIENTS_CHOOSE_SPECIALIST)."""
    return user.role == Role.COORDINATOR or (
        settings.PATIENTS_CHOOSE_SPECIALIST and is_case_owner(user, case))


def starts_cases(user) -> bool:
    """Cases are started by patients (there is no case yet for a rule to look at)."""
    return user.role == Role.PATIENT


@policy.rule("edit")
def _edit(user, case):
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can change the first opinion.")
    if case.status not in EDITABLE_STATES:
        return Conflict("The first opinion can no longer be changed once a specialist is on it.")
    return None


@policy.rule("submit")
def _submit(user, case):
    if not _owner_or_coordinator(user, case):
        return NotAllowed("Only the patient or a coordinator can submit the case.")
    return _cannot_move(case, Status.SUBMITTED)


@policy.rule("withdraw")
def _withdraw(user, case):
    if not _owner_or_coordinator(user, case):
        return NotAllowed("Only the patient or a coordinator can withdraw the case.")
    return _cannot_move(case, Status.WITHDRAWN)


@policy.rule("mark_records")
def _mark_records(user, case):
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can mark the records complete.")
    return _cannot_move(case, Status.RECORDS_COMPLETE)


@policy.rule("confirm_system")
def _confirm_system(user, case):
    """Say which known hospital system the first opinion is from (or that it is a new one),
    before offering: on the matches page."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can confirm the first opinion's hospital system.")
    if case.status not in OFFERABLE_STATES:
        return Conflict(f"A case that is {Status(case.status).label.lower()} is past matching.")
    return None


@policy.rule("confirm_institution")
def _confirm_institution(user, case):
    """Say which institution of the directory the first opinion is from (or that it is not
    in it), before offering: the same people and time as the system."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can confirm the first opinion's institution.")
    return _confirm_system(user, case)


@policy.rule("offer")
def _offer(user, case):
    """Offer the case to a specialist: what the case page's proposals, the matches page and
    ``POST /cases/{id}/consultations`` all do."""
    if not chooses_specialist(user, case):
        return NotAllowed("Only a coordinator can offer a case to a specialist.")
    if case.status not in OFFERABLE_STATES:
        return Conflict(f"A case that is {Status(case.status).label.lower()} cannot be offered.")
    if _held_by_a_specialist(case):
        return Conflict("This case is already offered to or accepted by a specialist.")
    return None


# A combined review's parts are offered from submission until the lead's opinion is signed
# (the opinion covers the signed parts: none can be added after).
PART_STATES = (Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED,
               Status.IN_REVIEW)


@policy.rule("offer_part")
def _offer_part(user, case):
    """Ask a specialist of another specialty for a part of the review (a pathology or
    radiology re-read): coordinators, before the opinion is signed."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can ask a specialist for a part of the review.")
    if case.status not in PART_STATES:
        return Conflict(f"A case that is {Status(case.status).label.lower()} cannot have "
                        "parts added to its review.")
    return None


def offerers_only(case: Case, user) -> None:
    """A ``check`` for the proposals (the matches page and API): whoever may offer the case
    sees them, also once it is offered (then without the offer buttons)."""
    refusal = policy.refusal(user, case, "offer")
    if isinstance(refusal, NotAllowed):
        raise refusal


@policy.rule("follow_up")
def _follow_up(user, case):
    if not _owner_or_coordinator(user, case):
        return NotAllowed("Only the patient or a coordinator can start the follow-up.")
    return _cannot_move(case, Status.FOLLOWING_UP)


@policy.rule("close")
def _close(user, case):
    if not _owner_or_coordinator(user, case):
        return NotAllowed("Only the patient or a coordinator can close the case.")
    return _cannot_move(case, Status.CLOSED)


@policy.rule("share")
def _share(user, case):
    """Let a caregiver or treating physician with an account see the case."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can decide who sees the case.")
    return None


@policy.rule("invite")
def _invite(user, case):
    """Email someone without an account an invitation to see the case."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can invite someone to see the case.")
    return None


@policy.rule("unshare")
def _unshare(user, case):
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can stop sharing the case.")
    return None


@policy.rule("journal")
def _journal(user, case):
    """Keep the case's journal (notes and the case's events, for the patient alone)."""
    if not is_case_owner(user, case):
        return NotAllowed("The journal is the patient's own.")
    return None


@policy.rule("story")
def _story(user, case):
    """Write and send the patient's story of this case."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient shares their story.")
    return None


def _open(case: Case, doing: str) -> Conflict | None:
    if case.is_open:
        return None
    return Conflict(f"A case that is {Status(case.status).label.lower()} cannot {doing}.")


@policy.rule("take_on")
def _take_on(user, case):
    """Say which coordinator has the case in hand (the work queue's owner): take it, hand it
    to a colleague or leave it to anyone."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator can take on a case.")
    if case.status == Status.DRAFT:
        return Conflict("A draft is the patient's until they submit it.")
    return _open(case, "change hands")


@policy.rule("plan_procedure")
def _plan_procedure(user, case):
    """Record the day the first opinion's procedure is planned for: the queue's urgency."""
    if not _owner_or_coordinator(user, case):
        return NotAllowed("Only the patient or a coordinator can record the procedure date.")
    return _open(case, "have its procedure date changed")


@policy.rule("write_intake")
def _write_intake(user, case):
    """Write or correct the case summary for the specialist (the intake): the coordinators,
    who prepare a case for offering, from its submission until the opinion is signed (after
    that it stays as the specialist read it). The patient tells their story in the first
    opinion's own fields; the summary is the staff's reading of it."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only a coordinator writes the case summary for the specialist.")
    if case.status not in INTAKE_STATES:
        if case.status == Status.DRAFT:
            return Conflict("A draft is the patient's until they submit it.")
        return Conflict(f"A case that is {Status(case.status).label.lower()} keeps its "
                        "summary as the specialist read it.")
    return None


# Who reads the summary: everyone who sees the case (cases.access), named here so that a
# change there does not silently widen it. A specialist offered the case reads it before
# accepting; the patient and those they share the case with read it because it is about the
# patient and says what the specialist was told of them: nothing is written about a patient
# behind their back. Only staff write it ("write_intake").
INTAKE_READERS = (Role.PATIENT, Role.CAREGIVER, Role.PHYSICIAN, Role.COORDINATOR,
                  Role.SPECIALIST)


@policy.rule("read_intake")
def _read_intake(user, case):
    if user.role not in INTAKE_READERS:
        return NotAllowed("The case summary is for those who see the case.")
    return None
