"""What a user who can see a case may do with its follow-up plan: one rule per action.

The object is the ``Case`` whose plan it is: the patient and the program's coordinators
keep the plan (add steps, tick them off) from the decision until the case is closed; the
patient alone answers the questions asked months later. Who may see the plan is whoever
sees the case (``cases.access``). See consilium/policy.py.
"""

from django.utils import timezone

from consilium.accounts.models import Role
from consilium.cases.access import is_case_owner
from consilium.cases.models import Case, Status
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import OutcomeCheck

policy = Policy("follow_up")

# While the plan may be changed: once the decision is made, until the case is closed.
PLAN_STATES = (Status.DECIDED, Status.FOLLOWING_UP)


def _keeps_the_plan(user, case: Case) -> NotAllowed | Conflict | None:
    if not (is_case_owner(user, case) or user.role == Role.COORDINATOR):
        return NotAllowed("Only the patient and the program's coordinators change the plan.")
    if case.status not in PLAN_STATES:
        return Conflict("The plan can be changed once the decision is made, and until the "
                        "case is closed.")
    return None


@policy.rule("add_task")
def _add_task(user, case):
    return _keeps_the_plan(user, case)


@policy.rule("mark_task")
def _mark_task(user, case):
    """Tick a step off, or back on ("not done after all")."""
    return _keeps_the_plan(user, case)


def open_outcome_check(case: Case) -> OutcomeCheck | None:
    """The first question that is due and not answered yet (from the page's prefetched
    checks when there are some)."""
    today = timezone.localdate()
    return next((check for check in case.outcome_checks.all()
                 if check.answered_at is None and check.due_date <= today), None)


@policy.rule("answer_outcome")
def _answer_outcome(user, case, check: OutcomeCheck | None = None):
    """Answer how it went: ``check``, or any question now due. An answered question may be
    answered again (a double click sends the same answer twice)."""
    if not is_case_owner(user, case):
        return NotAllowed("Only the patient answers how it went.")
    if check is None:
        return None if open_outcome_check(case) else Conflict(
            "No question is waiting for your answer.")
    if check.case_id != case.id:
        return NotAllowed("That question is not about this case.")
    if check.due_date > timezone.localdate():
        return Conflict(f"This question opens on {check.due_date:%-d %B %Y}.")
    return None
