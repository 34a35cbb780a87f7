"""The program's service level, and the one clock that measures it.

Everything about deadlines is decided here and nowhere else: business days (weekdays that
are not the program's holidays, so each program keeps its own calendar),
when an offer must be answered, when the opinion is due, the pause while the specialist
waits on the patient, and what "overdue" means. ``deadlines.py`` is the scheduled job that
acts on this clock; the work queue and the deadline job read "overdue" from here.

The service levels and the holidays are the program's terms in force (consilium/terms:
the environment's defaults until an administrator changes them): a change applies to the
dates worked out from then on; due dates already set stay.

The clock for an opinion starts when the case's records are complete (or when the specialist
accepts a case whose records were never marked complete: they are taken as sent).
"""

from datetime import date, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from consilium.cases.models import Case, Event, EventKind, Status
from consilium.terms.access import current

from .models import Consultation, ConsultationStatus

# --- business days ----------------------------------------------------------------------


def is_business_day(day: date, holidays: frozenset[date] | None = None) -> bool:
    holidays = current().holidays if holidays is None else holidays
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int) -> date:
    """The business day ``days`` business days after ``start`` (counting from the next day:
    work that starts on a Friday with one day to go is due on Monday)."""
    holidays = current().holidays
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative when end is
    earlier)."""
    if end < start:
        return -business_days_between(end, start)
    holidays = current().holidays
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_business_day(start + timedelta(days=n), holidays))


# --- due dates --------------------------------------------------------------------------


def opinion_due(records_complete_on: date) -> date:
    return add_business_days(records_complete_on, current().service_level_days)


def answer_due(offered_on: date) -> date:
    return add_business_days(offered_on, current().offer_answer_days)


def reminder_horizon(today: date) -> date:
    """Opinions due up to this day are "due soon": their specialist is reminded."""
    return add_business_days(today, current().reminder_days_before)


def records_complete_on(case: Case) -> date | None:
    """The day the coordinator marked the case's records complete, if they did."""
    event = Event.objects.filter(case=case, kind=EventKind.STATUS,
                                 to_status=Status.RECORDS_COMPLETE).order_by("at").first()
    return timezone.localdate(event.at) if event else None


def started_on(consultation: Consultation) -> date | None:
    """The day the opinion's clock started: the records complete, or, accepted before that,
    the specialist's acceptance (for the turnaround in the program's figures)."""
    complete = records_complete_on(consultation.case)
    if complete is not None:
        return complete
    return timezone.localdate(consultation.responded_at) if consultation.responded_at else None


def due_dates_for_offer(case: Case) -> dict:
    """The new offer's answer date, and its opinion's due date if the clock has started."""
    records_on = records_complete_on(case)
    return {"answer_due": answer_due(timezone.localdate()),
            "due_date": opinion_due(records_on) if records_on else None}


def due_on_accepting(consultation: Consultation) -> date:
    """The due date the specialist commits to by accepting: the one set when the records were
    complete, or, if they never were, a service level from today."""
    return consultation.due_date or opinion_due(timezone.localdate())


def start(case: Case) -> None:
    """The records are complete: the open offer's opinion is due a service level from
    today. Call inside the transaction that marks them complete."""
    Consultation.objects.filter(case=case, status=ConsultationStatus.OFFERED).update(
        due_date=opinion_due(timezone.localdate()))


# --- waiting on the patient -------------------------------------------------------------


def pause(consultation: Consultation) -> bool:
    """The specialist waits on the patient's answer: the clock stops (once; False if it was
    stopped already)."""
    return bool(Consultation.objects.filter(
        id=consultation.id, waiting_on_patient_since__isnull=True).update(
        waiting_on_patient_since=timezone.now()))


def resume(consultation: Consultation) -> Consultation | None:
    """The patient answered: the clock runs again, and the due date moves by the business
    days waited. Returns the consultation, or None if its clock was not stopped. Call inside
    a transaction (the row is locked)."""
    current = Consultation.objects.select_for_update().get(id=consultation.id)
    if current.waiting_on_patient_since is None:
        return None
    waited = max(0, business_days_between(
        timezone.localdate(current.waiting_on_patient_since), timezone.localdate()))
    if current.due_date:
        current.due_date = add_business_days(current.due_date, waited)
    current.waiting_on_patient_since = None
    current.reminded_at = None  # a new due date earns a new reminder
    current.save(update_fields=["due_date", "waiting_on_patient_since", "reminded_at"])
    return current


# --- overdue: the one definition --------------------------------------------------------


def _running(prefix: str) -> Q:
    return Q(**{f"{prefix}status": ConsultationStatus.ACCEPTED,
                f"{prefix}due_date__isnull": False,
                f"{prefix}waiting_on_patient_since__isnull": True})


def overdue(today: date | None = None, *, prefix: str = "") -> Q:
    """An opinion is overdue when its consultation is accepted, its clock is running (not
    waiting on the patient) and its due date has passed: due today is not yet overdue.
    ``prefix`` filters a related model (``"consultations__"`` for cases)."""
    today = today or timezone.localdate()
    return _running(prefix) & Q(**{f"{prefix}due_date__lt": today})


def due_soon(today: date | None = None, *, prefix: str = "") -> Q:
    """Running, and due between today and the reminder horizon."""
    today = today or timezone.localdate()
    return _running(prefix) & Q(**{f"{prefix}due_date__gte": today,
                                   f"{prefix}due_date__lte": reminder_horizon(today)})


def with_overdue(consultations: QuerySet, today: date | None = None) -> QuerySet:
    """The consultations, each with ``.overdue`` (for lists and templates)."""
    return consultations.annotate(
        overdue=ExpressionWrapper(overdue(today), output_field=BooleanField()))


def is_overdue(consultation: Consultation, today: date | None = None) -> bool:
    """``overdue()`` for one consultation already loaded."""
    today = today or timezone.localdate()
    return (consultation.status == ConsultationStatus.ACCEPTED
            and consultation.due_date is not None
            and consultation.waiting_on_patient_since is None
            and consultation.due_date < today)
