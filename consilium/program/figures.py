"""The program's figures, for coordinators and administrators: every number is an aggregate
query over the rows the journey leaves behind (cases, comparisons kept at signing, third
opinions, decisions, answered outcome questions), so they stay fast at 100,000 cases
(bench/figures.py). No patient is named; counts only."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from consilium.cases.models import Case, Status
from consilium.comparison.concordance import DiagnosisConcordance, Impact, TreatmentConcordance
from consilium.comparison.models import Comparison
from consilium.decisions.models import Choice, Decision
from consilium.followup.models import Followed, OutcomeCheck
from consilium.terms.access import current as program_terms

# What is counted of the opinions in each month and specialty (one pass over the rows,
# through the covering index "comparison_figures"; month is never null, so counting it
# counts rows without reading the table); Row has a field of each name.
OUTCOMES = {
    "opinions": Count("*"),
    "confirmed": Count("month", filter=Q(diagnosis=DiagnosisConcordance.CONFIRMED)),
    "refined": Count("month", filter=Q(diagnosis=DiagnosisConcordance.REFINED)),
    "different": Count("month", filter=Q(diagnosis=DiagnosisConcordance.DIFFERENT)),
    "treatment_changed": Count("month", filter=Q(treatment=TreatmentConcordance.CHANGED)),
    "major": Count("month", filter=Q(impact=Impact.MAJOR)),
    "in_time": Count("month", filter=Q(on_time=True)),
    "timed": Count("on_time"),
}


@dataclass
class Row:
    """The opinions of one specialty or one month."""

    label: str
    opinions: int = 0
    confirmed: int = 0
    refined: int = 0
    different: int = 0
    treatment_changed: int = 0
    major: int = 0
    in_time: int = 0
    timed: int = 0

    def add(self, counts) -> None:
        """Add a group's counts, given in the order of OUTCOMES."""
        for name, n in zip(OUTCOMES, counts, strict=True):
            setattr(self, name, getattr(self, name) + n)

    def share(self, part: str) -> float | None:
        total = self.timed if part == "in_time" else self.opinions
        return round(100 * getattr(self, part) / total, 1) if total else None


@dataclass
class Figures:
    cases_by_state: list[tuple[str, int]]
    overall: Row
    turnaround_median: float | None
    turnaround_p90: float | None
    service_level_days: int
    third_opinions: int
    third_opinion_rate: float | None  # per opinion delivered
    decisions: int
    decided_second: int  # chose to follow the second (or a later) opinion
    outcomes: int
    followed_second: int
    by_specialty: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def decided_second_rate(self):
        return self.rate(self.decided_second, self.decisions)

    @property
    def followed_second_rate(self):
        return self.rate(self.followed_second, self.outcomes)


def program_figures() -> Figures:
    """Seven aggregate queries, whatever the number of cases. The opinions are counted once,
    grouped by month and specialty; the rows by specialty, by month and overall are added
    up from those few hundred groups."""
    counts = dict(Case.objects.order_by().values_list("status").annotate(n=Count("*")))
    by_state = [(label, counts.get(value, 0)) for value, label in Status.choices]
    groups = (Comparison.objects.order_by().values_list("month", "specialty")
              .annotate(**OUTCOMES))
    overall = Row("All")
    specialty_rows: dict[str, Row] = {}
    month_rows: dict[str, Row] = {}
    for month, specialty, *outcomes in groups:
        specialty = specialty or "Not recorded"
        for row in (overall, specialty_rows.setdefault(specialty, Row(specialty)),
                    month_rows.setdefault(month, Row(month or "Not recorded"))):
            row.add(outcomes)
    histogram = list(Comparison.objects.filter(turnaround_days__isnull=False).order_by(
        "turnaround_days").values_list("turnaround_days").annotate(n=Count("*")))
    thirds = Case.objects.filter(earlier_case__isnull=False)
    third = thirds.count()
    # From the few third-opinion cases to their opinions, not from every opinion to its case.
    on_third = Comparison.objects.filter(case_id__in=thirds.values("id")).count()
    decided = Decision.objects.aggregate(
        n=Count("pk"), second=Count("pk", filter=Q(choice=Choice.SECOND_OPINION)))
    answered = OutcomeCheck.objects.filter(answered_at__isnull=False).aggregate(
        n=Count("pk"), second=Count("pk", filter=Q(followed=Followed.SECOND)))
    return Figures(
        cases_by_state=by_state, overall=overall,
        turnaround_median=percentile(histogram, 50), turnaround_p90=percentile(histogram, 90),
        service_level_days=program_terms().service_level_days, third_opinions=third,
        third_opinion_rate=Figures.rate(third, overall.opinions - on_third),
        decisions=decided["n"], decided_second=decided["second"],
        outcomes=answered["n"], followed_second=answered["second"],
        by_specialty=sorted(specialty_rows.values(), key=lambda r: (-r.opinions, r.label)),
        by_month=sorted(month_rows.values(), key=lambda r: r.label))


def percentile(histogram: list[tuple[int, int]], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values given as (value, count), ascending."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank = max(1, -(-p * total // 100))  # ceil(p/100 * total)
    seen = 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return value
    return histogram[-1][0]
