"""Reading a case's comparison: through the access helpers, recorded in the audit trail."""

from dataclasses import dataclass, field

from consilium.audit.trail import record
from consilium.cases.access import cases_visible_to
from consilium.opinions.access import signed_opinion_for_case
from consilium.opinions.models import Opinion

from .actions import codes, concordance_of
from .concordance import (
    EARLIER_MAJOR_REASONS,
    MAJOR_REASON,
    SPECIALIST_DIAGNOSIS,
    SPECIALIST_TREATMENT,
    Code,
    Concordance,
    Impact,
    clinical_impact,
)
from .models import Comparison

ORDINALS = ["Second", "Third", "Fourth", "Fifth"]


@dataclass
class Seen:
    """One signed opinion of a case and how it compares with the first."""

    opinion: Opinion
    found: Concordance
    stored: Comparison | None  # None for an opinion signed before comparisons were kept
    first_codes: list[Code]
    second_codes: list[Code]
    # The signed opinions of the earlier cases this one continues (a third opinion), oldest
    # first, as far as the reader may see them.
    earlier: list["Seen"] = field(default_factory=list)
    title: str = "Second opinion"

    @property
    def all(self) -> list["Seen"]:
        return [*self.earlier, self]

    @property
    def being_reviewed(self) -> list[str]:
        """"diagnosis", "treatment": where the specialist's judgement and the rules disagree
        and no coordinator has reviewed it yet; readers see "being reviewed" there."""
        return self.stored.being_reviewed if self.stored is not None else []

    @property
    def reasons(self) -> list[str]:
        """Why, in the patient's words; the verdict on the impact only once it stands."""
        if self.being_reviewed:
            verdicts = (MAJOR_REASON, *EARLIER_MAJOR_REASONS)
            return [r for r in self.found.reasons if r not in verdicts]
        return self.found.reasons

    @property
    def may_be_major(self) -> bool:
        """A major difference stands, or is one reading of a comparison being reviewed (the
        specialist's own): either way a third opinion is offered."""
        if self.found.impact == Impact.MAJOR:
            return True
        if not self.being_reviewed:
            return False
        own = clinical_impact(
            SPECIALIST_DIAGNOSIS.get(self.opinion.diagnosis_agreement, self.found.diagnosis),
            SPECIALIST_TREATMENT.get(self.opinion.treatment_agreement, self.found.treatment))
        return own == Impact.MAJOR


def comparison_for_case(user, case) -> "Seen | None":
    """The comparison of the case's signed opinion with its first, or None before one is
    signed. The case must come from access_case_by_id (or cases_visible_to)."""
    seen = _seen(user, case)
    if seen is None:
        return None
    earlier, visible = case.earlier_case_id, cases_visible_to(user)
    while earlier and len(seen.earlier) < len(ORDINALS) - 1:
        before = visible.filter(id=earlier).first()
        if before is None:
            break
        if (theirs := _seen(user, before)) is not None:
            seen.earlier.insert(0, theirs)
        earlier = before.earlier_case_id
    for position, item in enumerate(seen.all):
        item.title = f"{ORDINALS[position]} opinion"
    return seen


def _seen(user, case) -> "Seen | None":
    opinion = signed_opinion_for_case(user, case)
    if opinion is None:
        return None
    stored = getattr(opinion, "comparison", None)
    if stored is not None:
        record(user, "comparison.view", stored, case_id=case.id)
        found = Concordance(stored.diagnosis, stored.treatment, stored.impact,
                            list(stored.reasons), list(stored.review), list(stored.disputed))
    else:
        found = concordance_of(opinion)
    first, second = case.diagnosis_codes or [], opinion.diagnosis_codes or []
    titled = {c.code: c for c in codes(list(dict.fromkeys(first + second)))}
    return Seen(opinion, found, stored, [titled[c] for c in first], [titled[c] for c in second])
