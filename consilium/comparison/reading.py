"""Reading a case's comparison: through the access helpers, recorded in the audit trail."""

from dataclasses import dataclass

from consilium.audit.trail import record
from consilium.opinions.access import signed_opinion_for_case
from consilium.opinions.models import Opinion

from .actions import codes, concordance_of
from .concordance import Code, Concordance
from .models import Comparison


@dataclass
class Seen:
    opinion: Opinion
    found: Concordance
    stored: Comparison | None  # None for an opinion signed before comparisons were kept
    first_codes: list[Code]
    second_codes: list[Code]


def comparison_for_case(user, case) -> Seen | None:
    """The comparison of the case's signed opinion with its first, or None before one is
    signed. The case must come from access_case_by_id (or cases_visible_to)."""
    opinion = signed_opinion_for_case(user, case)
    if opinion is None:
        return None
    stored = getattr(opinion, "comparison", None)
    if stored is not None:
        record(user, "comparison.view", stored, case_id=case.id)
        found = Concordance(stored.diagnosis, stored.treatment, stored.impact,
                            list(stored.reasons), list(stored.review))
    else:
        found = concordance_of(opinion)
    first, second = case.diagnosis_codes or [], opinion.diagnosis_codes or []
    titled = {c.code: c for c in codes(list(dict.fromkeys(first + second)))}
    return Seen(opinion, found, stored, [titled[c] for c in first], [titled[c] for c in second])
