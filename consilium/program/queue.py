"""The coordinator's work queue, as queries: its filters, its sort orders, its counts and its
search. Everything a request may ask for is read through an allow-list here (``read_filters``,
``SORTS``), so no parameter reaches the database as anything but a chosen value.

The counts come from two queries (``counts``): the states grouped, and every quick filter's
count, capped, in one statement; the page's rows from one more, with their consultations and owners
in a bounded number besides, whatever the number of cases. Why the search reads what it
reads, and how its words stay out of URLs and logs: docs/decisions/0008-work-queue-search.md.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from consilium.cases.models import OFFERABLE_STATES, IntakeSummary, Status
from consilium.consultations import clock
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.counting import count_together
from consilium.directory.models import Specialist
from consilium.forms import object_id
from consilium.records.models import IdentityCheck, Record, RecordsRequest
from consilium.terminology.models import Icd10Code, Icd10Kind
from consilium.terminology.search import normalise_code, search_icd10

# The states in which a case waits for the program staff, in the lifecycle's order.
QUEUE_STATES = [
    Status.SUBMITTED, Status.RECORDS_COMPLETE, Status.SPECIALIST_ASSIGNED, Status.IN_REVIEW,
    Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP,
]
ALL_STATES = [*QUEUE_STATES, Status.DRAFT, Status.CLOSED, Status.WITHDRAWN]
OPEN_CONSULTATION = [ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED]
# A procedure planned this close is urgent: the opinion must come before it.
URGENT_DAYS = 14


@dataclass(frozen=True)
class QuickFilter:
    """A quick filter of the queue: its label, the parameter and value that choose it, and
    which cases it keeps (``condition``). When those are the cases some rows belong to
    (consultations, records, requests for records: ``rows``), they are counted from the rows'
    side (``counted``)."""
    key: str
    label: str
    param: str
    value: str
    condition: Q
    rows: QuerySet | None = None

    def counted(self, cases: QuerySet) -> QuerySet:
        """The cases among ``cases`` this filter keeps, as a queryset to count. From the
        rows' side when there are rows: their distinct cases, each checked by its key, so
        that a capped count reads at most the rows it needs rather than every open case
        (2 ms a filter at 10,000 cases with none to find, since each open case was probed)."""
        if self.rows is None:
            return cases.filter(self.condition)
        return (self.rows.filter(Exists(cases.order_by().filter(pk=OuterRef("case_id"))))
                .order_by().values("case_id").distinct())


def _among(key: str, label: str, param: str, value: str, rows: QuerySet) -> QuickFilter:
    """The quick filter of the cases one of these rows belongs to: ``id IN (SELECT case_id
    ...)``, which the database reads once from the rows' side, by their indexes, rather than
    an EXISTS probed for every open case (130 ms each over 90,000 of them)."""
    return QuickFilter(key, label, param, value, Q(pk__in=rows.values("case_id")), rows)


def _has_intake() -> Exists:
    return Exists(IntakeSummary.objects.filter(case=OuterRef("pk")))


# A case waiting to be offered without the coordinator's summary (docs/work-queue.md,
# "Intake"): the specialist offered it would decide without one.
NEEDS_INTAKE = Q(status__in=OFFERABLE_STATES) & ~Q(_has_intake())


def quick_filters(today: date, user) -> list[QuickFilter]:
    """The queue's quick filters: built once per request and handed to ``apply_filters`` and
    ``counts`` (each build makes a dozen querysets, about a millisecond)."""
    consultations = Consultation.objects
    return [
        _among("overdue", "Overdue opinions", "due", "overdue",
               consultations.filter(clock.overdue(today))),
        _among("due_soon", "Opinions due soon", "due", "due_soon",
               consultations.filter(clock.due_soon(today))),
        _among("awaiting_answer", "Offers awaiting an answer", "due", "awaiting_answer",
               consultations.filter(status=ConsultationStatus.OFFERED)),
        _among("waiting_on_patient", "Waiting on the patient", "waiting", "1",
               consultations.filter(status=ConsultationStatus.ACCEPTED,
                                    waiting_on_patient_since__isnull=False)),
        QuickFilter("needs_intake", "Needs a case summary", "intake", "needed", NEEDS_INTAKE),
        _among("on_hold", "Records on hold", "held", "1",
               Record.objects.filter(identity=IdentityCheck.HELD)),
        _among("declined", "Declined offers", "declined", "1",
               consultations.filter(status=ConsultationStatus.DECLINED)),
        _among("records_overdue", "Records requests overdue", "records_overdue", "1",
               RecordsRequest.objects.overdue(today)),
        QuickFilter("urgent", f"Procedure within {URGENT_DAYS} days", "urgency", "soon",
                    Q(planned_procedure_on__gte=today,
                      planned_procedure_on__lte=today + timedelta(days=URGENT_DAYS))),
        QuickFilter("mine", "Mine", "owner", "mine", Q(owner=user)),
        QuickFilter("unowned", "Nobody's yet", "owner", "unowned", Q(owner__isnull=True)),
    ]


# --- the filters a request may ask for -------------------------------------------------

DUE = {"overdue": "Overdue", "due_soon": "Due soon", "awaiting_answer": "Offer awaiting an answer"}
URGENCY = {"soon": f"Within {URGENT_DAYS} days", "month": "Within 30 days",
           "planned": "Any planned date", "unplanned": "No date given"}
FLAGS = ("waiting", "held", "declined", "records_overdue")
# Every parameter a saved filter may keep (the search is not one of them).
FILTERS = ("state", "specialty", "due", "owner", "urgency", "intake", *FLAGS, "sort")


def specialties() -> list[str]:
    """The specialties of the directory, for the specialty filter (one query)."""
    return list(Specialist.objects.order_by("specialty").values_list("specialty", flat=True)
                .distinct())


def read_filters(params, known_specialties: list[str], coordinator_ids: set[int]) -> dict:
    """The request's filters, each kept only when it is one of its allowed values."""
    chosen = {}
    state = params.get("state", "")
    if state in Status.values or state == "all":
        chosen["state"] = state
    if params.get("specialty", "") in known_specialties:
        chosen["specialty"] = params["specialty"]
    if params.get("due", "") in DUE:
        chosen["due"] = params["due"]
    owner = params.get("owner", "")
    if owner in ("mine", "unowned") or object_id(owner) in coordinator_ids:
        chosen["owner"] = owner
    if params.get("urgency", "") in URGENCY:
        chosen["urgency"] = params["urgency"]
    if params.get("intake") == "needed":
        chosen["intake"] = "needed"
    for flag in FLAGS:
        if params.get(flag) == "1":
            chosen[flag] = "1"
    if params.get("sort", "").lstrip("-") in SORTS:
        chosen["sort"] = params["sort"]
    return chosen


def apply_filters(cases: QuerySet, chosen: dict, today: date,
                  filters: list[QuickFilter]) -> QuerySet:
    """The cases the chosen filters keep; ``filters`` are the request's ``quick_filters``."""
    quick = {(f.param, f.value): f.condition for f in filters}
    state = chosen.get("state", "")
    if state == "":
        cases = cases.filter(status__in=QUEUE_STATES)
    elif state != "all":
        cases = cases.filter(status=state)
    if "specialty" in chosen:
        cases = cases.filter(pk__in=Consultation.objects.filter(
            status__in=OPEN_CONSULTATION, specialist__specialty=chosen["specialty"],
        ).values("case_id"))
    for param in ("due", "owner", "intake", *FLAGS):
        if (param, chosen.get(param)) in quick:
            cases = cases.filter(quick[param, chosen[param]])
    if object_id(chosen.get("owner")):
        cases = cases.filter(owner_id=object_id(chosen["owner"]))
    urgency = chosen.get("urgency")
    if urgency in ("soon", "month"):
        days = URGENT_DAYS if urgency == "soon" else 30
        cases = cases.filter(planned_procedure_on__gte=today,
                             planned_procedure_on__lte=today + timedelta(days=days))
    elif urgency == "planned":
        cases = cases.filter(planned_procedure_on__isnull=False)
    elif urgency == "unplanned":
        cases = cases.filter(planned_procedure_on__isnull=True)
    return cases


# A quick filter's count stops here: the queue then says "1000+". Counting every open case
# of a growing programme on every view of the queue is what made it slow (330 ms at 90,000
# open cases); a count this high already says "many", and the filter's page has the total.
COUNT_CAP = 1000


def counts(visible: QuerySet, filters: list[QuickFilter]) -> dict[str, int]:
    """How many cases each state holds (one grouped query, on the status index), and how many
    open cases each quick filter finds, up to ``COUNT_CAP`` + 1 (one query of one capped count
    per filter, so that none reads more than that many rows)."""
    by_state = dict.fromkeys((f"state_{s}" for s in ALL_STATES), 0)
    # COUNT(*), not COUNT(id): read from the status index alone (SQLite looked up every row
    # for its id: 120 ms rather than 5 at 111,000 cases)
    for status, n in visible.order_by().values_list("status").annotate(n=Count("*")):
        by_state[f"state_{status}"] = n
    open_cases = visible.order_by().filter(status__in=QUEUE_STATES)
    quick = count_together({f"quick_{f.key}": f.counted(open_cases) for f in filters},
                           cap=COUNT_CAP)
    return {**by_state, "open": sum(by_state[f"state_{s}"] for s in QUEUE_STATES), **quick}


def shown_count(n: int) -> str:
    """A quick filter's count as the queue shows it."""
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


# --- sorting ----------------------------------------------------------------------------

def _open_consultation(field: str) -> Subquery:
    return Subquery(Consultation.objects.filter(case=OuterRef("pk"), is_part=False,
                                                status__in=OPEN_CONSULTATION)
                    .order_by("-offered_at").values(field)[:1])


_LIFECYCLE = Case(*[When(status=s, then=Value(n)) for n, s in enumerate(ALL_STATES)],
                  output_field=IntegerField())


@dataclass(frozen=True)
class Sort:
    label: str
    keys: tuple  # expressions, ascending; None last either way
    # Whether a key may be None. Keys that never are sort without NULLS LAST, which the
    # databases cannot read from a plain index: the default order (the longest waiting
    # first) then reads the first page of cases from status_changed_at's index, instead of
    # sorting every open case.
    nullable: bool = True


SORTS = {
    "case": Sort("Case", (F("id"),), nullable=False),
    "patient": Sort("Patient", (F("patient__last_name"), F("patient__first_name"))),
    "diagnosis": Sort("Diagnosis", (F("diagnosis_codes__0"),)),
    "treatment": Sort("Proposed treatment", (F("treatment_category"),)),
    "state": Sort("State", (_LIFECYCLE,)),
    "waiting": Sort("In this state for", (F("status_changed_at"),), nullable=False),
    "owner": Sort("Owner", (F("owner__last_name"), F("owner__first_name"))),
    "procedure": Sort("Procedure", (F("planned_procedure_on"),)),
    "due": Sort("Service level", (_open_consultation("due_date"),)),
    "specialist": Sort("Specialist", (_open_consultation("specialist__name"),)),
}
DEFAULT_SORT = "waiting"  # the longest waiting first


def ordered(cases: QuerySet, sort: str) -> QuerySet:
    """The cases in the chosen order (an allow-listed key of SORTS, "-" first for the other
    way), the case's ID last so that equal rows keep one order from page to page."""
    key = sort.lstrip("-") if sort.lstrip("-") in SORTS else DEFAULT_SORT
    descending = sort.startswith("-")
    nulls_last = True if SORTS[key].nullable else None
    keys = [expression.desc(nulls_last=nulls_last) if descending
            else expression.asc(nulls_last=nulls_last) for expression in SORTS[key].keys]
    return cases.order_by(*keys, "id")


# --- search -----------------------------------------------------------------------------

CASE_REFERENCE = re.compile(r"[0-9a-f]{4,8}")
CODE = re.compile(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]{0,4})?")
# The diagnosis categories one search brings in at most.
MOST_CATEGORIES = 40


def _coded_in(categories) -> Q:
    """Cases with a code in one of these ICD-10-CM categories (or codes, as prefixes): the
    JSON list's text holds each code in quotes, on SQLite and PostgreSQL alike."""
    condition = Q(pk__in=[])
    for category in sorted(set(categories))[:MOST_CATEGORIES]:
        condition |= Q(diagnosis_codes__icontains=f'"{category}')
    return condition


def _diagnosis_word(word: str) -> Q:
    """Cases coded with the code the word is (or begins), or in a category whose title has
    the word. The terminology is not secret; the diagnosis as the patient wrote it is
    encrypted and not searched."""
    code = normalise_code(word)
    if CODE.fullmatch(code):
        return Q(diagnosis_codes__icontains=f'"{code}')
    if len(word) < 3:
        return Q(pk__in=[])
    return _coded_in(Icd10Code.objects.filter(kind=Icd10Kind.CATEGORY,
                                              description__icontains=word)
                     .values_list("code", flat=True)[:MOST_CATEGORIES])


def search(cases: QuerySet, term: str) -> QuerySet:
    """The cases every word of ``term`` finds in the case reference (its first characters),
    the patient's account name or the coded diagnosis; or that the whole term finds as a
    diagnosis in everyday words ("heart attack"), as the ICD-10-CM search reads it."""
    words = term.split()[:6]
    every_word = Q()
    for word in words:
        condition = (Q(patient__first_name__icontains=word)
                     | Q(patient__last_name__icontains=word) | _diagnosis_word(word))
        reference = word.lower().replace("-", "")
        if CASE_REFERENCE.fullmatch(reference):
            condition |= Q(id__startswith=reference)
        every_word &= condition
    if len(words) > 1:
        every_word |= _coded_in(found.code[:3] for found in search_icd10(" ".join(words)))
    return cases.filter(every_word)


MAX_SEARCH = 100  # characters; a longer search is cut


# --- the rows ---------------------------------------------------------------------------

def rows_of(cases: QuerySet, today: date | None = None) -> QuerySet:
    """What each row shows, loaded with the page in a fixed number of queries: the patient
    and owner joined, whether records are on hold or the case needs a summary, every
    consultation (open ones and the declined offers with their reasons) in one more, and the
    overdue requests for records (``overdue_requests``) in one more."""
    today = today or timezone.localdate()
    return (cases.select_related("patient", "owner")
            .annotate(on_hold=Exists(Record.objects.filter(case=OuterRef("pk"),
                                                           identity=IdentityCheck.HELD)),
                      needs_intake=Case(When(NEEDS_INTAKE, then=Value(True)), default=Value(False)))
            .prefetch_related(Prefetch(
                "consultations", to_attr="all_consultations",
                queryset=clock.with_overdue(Consultation.objects.select_related("specialist")
                                            .order_by("-offered_at"))),
                Prefetch("records_requests", to_attr="overdue_requests",
                         queryset=RecordsRequest.objects.overdue(today).order_by("due_on"))))


@dataclass(frozen=True)
class ServiceLevel:
    """Where the case stands against the service level: words that say it (never the colour
    alone) and the tone the page colours them with (ok, soon, late, paused, none)."""
    text: str
    tone: str


def service_level(consultation, today: date) -> ServiceLevel:
    if consultation is None:
        return ServiceLevel("No specialist yet", "none")
    if consultation.status == ConsultationStatus.OFFERED:
        return _answer(consultation.answer_due, today)
    if consultation.due_date is None:
        return ServiceLevel("Clock not started", "none")
    if consultation.waiting_on_patient_since:
        return ServiceLevel("Clock stopped", "paused")
    days = clock.business_days_between(today, consultation.due_date)
    if consultation.due_date < today:
        return ServiceLevel(f"{_days(-days)} overdue", "late")
    if days == 0:
        return ServiceLevel("Due today", "soon")
    tone = "soon" if consultation.due_date <= clock.reminder_horizon(today) else "ok"
    return ServiceLevel(f"{_days(days)} left", tone)


def _answer(answer_due: date | None, today: date) -> ServiceLevel:
    """An offer's clock: the specialist's answer is due by ``answer_due``."""
    if answer_due is None:
        return ServiceLevel("Offered", "soon")
    days = clock.business_days_between(today, answer_due)
    if answer_due < today:
        return ServiceLevel(f"Answer {_days(-days)} late", "late")
    return ServiceLevel("Answer due today" if days == 0 else f"Answer in {_days(days)}", "soon")


def _days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def urgency(planned: date | None, today: date) -> tuple[str, bool]:
    """The days until the planned procedure, in words, and whether that is urgent."""
    if planned is None:
        return "", False
    days = (planned - today).days
    if days < 0:
        return f"passed {-days} day{'' if days == -1 else 's'} ago", False
    if days == 0:
        return "today", True
    return f"in {days} day{'' if days == 1 else 's'}", days <= URGENT_DAYS


@dataclass(frozen=True)
class QueueRow:
    case: object
    open: list
    declined: list
    level: ServiceLevel
    urgency: str
    urgent: bool

    @classmethod
    def of(cls, case, today: date) -> "QueueRow":
        consultations = case.all_consultations
        # the lead's first: its clock is the case's service level (a part's is its own)
        open_ones = sorted((c for c in consultations if c.status in OPEN_CONSULTATION),
                           key=lambda c: c.is_part)
        declined = [c for c in consultations if c.status == ConsultationStatus.DECLINED]
        words, urgent = urgency(case.planned_procedure_on, today)
        done = any(c.status == ConsultationStatus.COMPLETED and not c.is_part
                   for c in consultations)
        level = (service_level(open_ones[0], today) if open_ones else
                 ServiceLevel("Opinion delivered", "none") if done else
                 service_level(None, today))
        return cls(case, open_ones, declined, level, words, urgent)
