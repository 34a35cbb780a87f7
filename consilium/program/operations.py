"""How the program runs, for coordinators and administrators: how long a case waits for its
records and for a specialist, how offers end, each specialist's load and turnaround. Every
figure is an aggregate query over the rows the journey leaves (the cases' step times,
consultations, comparisons), grouped into at most a few thousand groups, so the page costs
the same few queries at 100,000 cases as at ten (bench/figures.py). Days are calendar days, in UTC.

The specialists' reasons for declining are their own words and may carry health data; they
are never read here. Offers are counted by how they ended, the categories the consultation
has (declined, expired unanswered, withdrawn, handed back)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)

from consilium.cases.models import Case, Status
from consilium.comparison.models import Comparison
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.directory.models import Specialist

from .figures import percentile

# A consultation the specialist accepted at some point: it may since have been completed,
# handed back, or cancelled with the case (an offer cancelled unanswered has no answer time).
TAKEN = [ConsultationStatus.ACCEPTED, ConsultationStatus.COMPLETED,
         ConsultationStatus.RELEASED, ConsultationStatus.CANCELLED]
WAS_ACCEPTED = Q(status__in=TAKEN, responded_at__isnull=False)

# How an offer ended, in the order shown; "cancelled" unanswered is the case withdrawn.
ENDINGS = [
    ("accepted", "Accepted"),
    (ConsultationStatus.DECLINED, "Declined by the specialist"),
    (ConsultationStatus.EXPIRED, "Expired unanswered"),
    (ConsultationStatus.WITHDRAWN, "Withdrawn by a coordinator"),
    ("cancelled", "Cancelled with the case"),
    (ConsultationStatus.OFFERED, "Waiting for an answer"),
]


def days_sql(start: str, end: str) -> str:
    """Whole calendar days from one timestamp to another, as SQL for this database."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def month_sql(moment: str) -> str:
    """"2026-11" of a timestamp (the connection's time zone: UTC), as SQL."""
    if connection.vendor == "postgresql":
        return f"to_char({moment}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {moment})"


class DaysBetween(Func):
    """Whole calendar days from the first expression to the second (None if either is)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None,
               **extra_context):
        (start, start_params), (end, end_params) = (compiler.compile(e)
                                                    for e in self.source_expressions)
        return days_sql(start, end), [*start_params, *end_params]


@dataclass
class Spread:
    """How many days something took: its median and 90th percentile, over ``cases``."""

    label: str
    cases: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, label: str, histogram: dict[int, int]) -> "Spread":
        ordered = sorted(histogram.items())
        return cls(label, sum(histogram.values()), percentile(ordered, 50),
                   percentile(ordered, 90))


@dataclass
class SpecialistRow:
    name: str
    specialty: str
    open: int = 0  # accepted, not yet signed
    waiting: int = 0  # offered, not yet answered
    offers: int = 0
    declined: int = 0
    signed: int = 0
    turnaround: Spread = field(default_factory=lambda: Spread(""))
    in_time: int = 0
    timed: int = 0

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.in_time / self.timed, 1) if self.timed else None


@dataclass
class Operations:
    matching: Spread  # submitted → first acceptance
    records: Spread  # submitted → records complete
    match_by_month: list[Spread]
    endings: list[tuple[str, int]]
    offers: int
    declined: int
    answered: int  # accepted, declined or expired
    specialists: list[SpecialistRow]

    @property
    def declined_share(self) -> float | None:
        return round(100 * self.declined / self.answered, 1) if self.answered else None


class Month(Func):
    """"2026-11" of a timestamp."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None,
               **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return month_sql(sql), params


def _timeline_groups():
    """(month submitted, days to match, days waiting for records, cases): one pass over the
    submitted cases' step times (Case.submitted_at ..., kept by move_case), grouped in the
    database, so that only the groups come back."""
    return (Case.objects.filter(submitted_at__isnull=False).order_by().values_list(
        Month(F("submitted_at")), DaysBetween(F("submitted_at"), F("matched_at")),
        DaysBetween(F("submitted_at"), F("records_complete_at"))).annotate(n=Count("*")))


def _endings() -> tuple[list[tuple[str, int]], int]:
    counts: dict[str, int] = defaultdict(int)
    for status, answered, n in (Consultation.objects.order_by()
                                .values_list("status", ExpressionWrapper(
                                    Q(responded_at__isnull=False), output_field=BooleanField()))
                                .annotate(n=Count("*"))):
        if status in TAKEN and answered:
            status = "accepted"
        elif status == ConsultationStatus.CANCELLED:
            status = "cancelled"
        counts[status] += n
    return [(label, counts.get(key, 0)) for key, label in ENDINGS], sum(counts.values())


# Which of a specialist's counts a consultation in each state adds to (besides offers).
LOAD = {ConsultationStatus.ACCEPTED: "open", ConsultationStatus.OFFERED: "waiting",
        ConsultationStatus.DECLINED: "declined", ConsultationStatus.COMPLETED: "signed"}


def _specialists() -> list[SpecialistRow]:
    """One row a specialist who was ever offered a case: four grouped queries."""
    rows: dict[int, SpecialistRow] = {}
    # by specialist and status: a scan of the covering index "consultation_turnaround"
    for specialist_id, status, n in (Consultation.objects.order_by()
                                     .values_list("specialist_id", "status")
                                     .annotate(n=Count("*"))):
        row = rows.setdefault(specialist_id, SpecialistRow("", ""))
        row.offers += n
        if status in LOAD:
            setattr(row, LOAD[status], getattr(row, LOAD[status]) + n)
    for specialist_id, name, specialty in Specialist.objects.filter(
            id__in=list(rows)).values_list("id", "name", "specialty"):
        rows[specialist_id].name, rows[specialist_id].specialty = name, specialty
    histograms: dict[int, dict[int, int]] = defaultdict(dict)
    for specialist_id, days, n in (Consultation.objects.filter(
            status=ConsultationStatus.COMPLETED, responded_at__isnull=False).order_by()
            .values_list("specialist_id", DaysBetween(F("responded_at"), F("completed_at")))
            .annotate(n=Count("*"))):
        if days is not None:
            histograms[specialist_id][days] = n
    for specialist_id, histogram in histograms.items():
        rows[specialist_id].turnaround = Spread.of("", histogram)
    for specialist_id, in_time, timed in (Comparison.objects.order_by().values_list(
            "specialist_id").annotate(
            in_time=Count("pk", filter=Q(on_time=True)), timed=Count("on_time"))):
        if specialist_id in rows:
            rows[specialist_id].in_time, rows[specialist_id].timed = in_time, timed
    return sorted(rows.values(), key=lambda r: (-r.open, -r.waiting, r.name))


def operational_figures() -> Operations:
    """Six aggregate queries, whatever the number of cases."""
    matching: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    by_month: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for month, match_days, records_days, n in _timeline_groups():
        if match_days is not None:
            matching[match_days] += n
            by_month[month][match_days] += n
        if records_days is not None:
            waiting[records_days] += n
    endings, offers = _endings()
    ended = dict(endings)
    declined = ended["Declined by the specialist"]
    return Operations(
        matching=Spread.of("All", matching), records=Spread.of("All", waiting),
        match_by_month=[Spread.of(month, by_month[month]) for month in sorted(by_month)],
        endings=endings, offers=offers, declined=declined,
        answered=ended["Accepted"] + declined + ended["Expired unanswered"],
        specialists=_specialists())


# The per-case export: no health data, only the opaque reference, the specialty, the dates
# of each step and the days between them.
CASE_COLUMNS = ["case", "state", "specialty", "submitted_on", "records_complete_on",
                "first_offered_on", "accepted_on", "signed_on", "due_on",
                "days_waiting_for_records", "days_to_match", "days_accepted_to_signed",
                "on_time", "offers", "declined"]


# A case's steps are its lead consultations' (a combined review's parts are the
# specialists' load, not the case's matching).
LEADS = Consultation.objects.filter(is_part=False)


def _count_of(condition: Q):
    return Subquery(LEADS.filter(condition, case=OuterRef("pk")).order_by()
                    .values("case").annotate(n=Count("*")).values("n"),
                    output_field=IntegerField())


def case_steps():
    """Every case past its draft with the moments of its steps, oldest first: one query,
    read in chunks (the export streams it)."""
    taken = LEADS.filter(WAS_ACCEPTED, case=OuterRef("pk")).order_by("-responded_at")
    return (Case.objects.exclude(status=Status.DRAFT).order_by("created_at", "id").annotate(
        at_offered=Subquery(LEADS.filter(case=OuterRef("pk")).order_by(
            "offered_at").values("offered_at")[:1]),
        at_signed=Subquery(LEADS.filter(
            case=OuterRef("pk"), status=ConsultationStatus.COMPLETED).order_by(
            "-completed_at").values("completed_at")[:1]),
        at_latest_accept=Subquery(taken.values("responded_at")[:1]),
        at_due=Subquery(taken.values("due_date")[:1]),
        at_specialty=Subquery(taken.values("specialist__specialty")[:1]),
        at_in_time=Subquery(Comparison.objects.filter(case=OuterRef("pk")).order_by(
            "-computed_at").values("on_time")[:1]),
        at_offer_count=_count_of(Q()),
        at_declines=_count_of(Q(status=ConsultationStatus.DECLINED)),
    ).values_list("id", "status", "at_specialty", "submitted_at", "records_complete_at",
                  "at_offered", "matched_at", "at_signed", "at_due", "at_latest_accept",
                  "at_in_time", "at_offer_count", "at_declines"))


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def _days(start: datetime | None, end: datetime | None) -> int | str:
    return (end - start).days if start and end else ""


def case_rows():
    """The export's rows after its header, one a case, as they are read."""
    yield CASE_COLUMNS
    for (case_id, status, specialty, submitted, records, offered, accepted, signed, due,
         latest_accept, in_time, offers, declines) in case_steps().iterator(chunk_size=2000):
        yield [str(case_id)[:8], Status(status).label, specialty or "",
               _day(submitted), _day(records), _day(offered), _day(accepted), _day(signed),
               due.isoformat() if due else "", _days(submitted, records),
               _days(submitted, accepted), _days(latest_accept, signed) if signed else "",
               "" if in_time is None else ("yes" if in_time else "no"),
               offers or 0, declines or 0]
