"""What a user who can see a case may do about how its opinions compare: review the
comparison (coordinators), ask for a third opinion (the patient or a coordinator).

The object is the ``Case``. See consilium/policy.py.
"""

from consilium.accounts.models import Role
from consilium.cases.access import is_case_owner
from consilium.cases.models import Case, Status
from consilium.errors import Conflict, NotAllowed
from consilium.policy import Policy

from .models import Comparison

policy = Policy("comparison")

THIRD_OPINION_FROM = (Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP)


def comparison_to_review(case: Case) -> Comparison | None:
    """The case's latest comparison if the rules and the specialist disagreed on it."""
    comparison = case.comparisons.order_by("-computed_at").first()
    return comparison if comparison is not None and comparison.review else None


@policy.rule("review")
def _review(user, case):
    """Settle the concordance that stands, where the rules and the specialist disagree (a
    reviewed comparison can be reviewed again)."""
    if user.role != Role.COORDINATOR:
        return NotAllowed("Only the program's coordinators review comparisons.")
    if comparison_to_review(case) is None:
        return Conflict("There is no comparison to review on this case.")
    return None


@policy.rule("third_opinion")
def _third_opinion(user, case):
    if not (is_case_owner(user, case) or user.role == Role.COORDINATOR):
        return NotAllowed("Only the patient or a coordinator can ask for a third opinion.")
    if case.status not in THIRD_OPINION_FROM:
        return Conflict("A third opinion can be asked for once the second opinion is "
                        "delivered, and while the case is open.")
    if case.later_cases.exclude(status=Status.WITHDRAWN).exists():
        return Conflict("A third opinion has already been asked for on this case.")
    return None
