"""Reading the decision aid: through the case's access rules, recorded in the audit trail.
The case must come from access_case_by_id (or cases_visible_to)."""

from consilium.audit.trail import record
from consilium.comparison.reading import comparison_for_case

from . import aid
from .models import DecisionAid


def options_of_case(user, case) -> list[aid.Option]:
    """The options to decide between: the first opinion's, those of every signed opinion
    the reader may see (a third opinion's case includes the earlier ones), once each
    (``aid.options_for``)."""
    seen = comparison_for_case(user, case)
    return aid.options_for(case, [s.opinion for s in seen.all] if seen else [])


def aid_of_case(user, case) -> DecisionAid | None:
    work = DecisionAid.objects.filter(case=case).first()
    if work is not None:
        record(user, "decision_aid.view", work, case_id=case.id)
    return work
