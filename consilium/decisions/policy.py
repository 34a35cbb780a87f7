"""What a user who can see a case may do about the patient's decision: record it, change it.

The object is the ``Case`` (the decision is ``case.decision``). The patient records the
decision once the opinion is delivered, and may change it until the case is closed; each
change keeps the choice it replaces (``EarlierDecision``). See consilium/policy.py.
"""

from consilium.cases.access import is_case_owner
from consilium.cases.models import Case, Status
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

policy = Policy("decision")

# While the decision may be changed: after it is recorded, until the case is closed.
CHANGEABLE_STATES = (Status.DECIDED, Status.FOLLOWING_UP)
# The states a case has a decision in (recording it moves the case to decided).
DECIDED_STATES = (Status.DECIDED, Status.FOLLOWING_UP, Status.CLOSED)


def decision_of(case: Case):
    """The case's current decision, or None; no query before the case can have one."""
    return getattr(case, "decision", None) if case.status in DECIDED_STATES else None


@policy.rule("decide")
def _decide(user, case):
    """Record the decision (the first time): the case moves to decided."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can record the decision.")
    if decision_of(case) is not None:
        return Conflict("The decision is recorded already; change it instead.")
    if not case.can_move_to(Status.DECIDED):  # move_case's sentence
        return Conflict(f"A case that is {Status(case.status).label.lower()} cannot become "
                        f"{Status.DECIDED.label.lower()}.")
    return None


@policy.rule("change_decision")
def _change_decision(user, case):
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient can change the decision.")
    if case.status == Status.CLOSED:
        return Conflict("This case is closed: its decision can no longer be changed.")
    if case.status not in CHANGEABLE_STATES or decision_of(case) is None:
        return Conflict("The decision can be changed after it is recorded and until the case "
                        "is closed.")
    return None


# Where the patient may work on the decision aid (after the decision, too: plans change).
AID_STATES = (Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP)


@policy.rule("save_aid")
def _save_aid(user, case):
    """Work on the decision aid (those who see the case read it)."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient works on their decision aid.")
    if case.status not in AID_STATES:
        return Conflict("The decision aid can be worked on once the opinion is delivered and "
                        "while the case is open.")
    return None
