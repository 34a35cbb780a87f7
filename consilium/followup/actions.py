"""Writing the follow-up plan: made from the opinions and the decision when follow-up
starts, changed by the patient and the coordinators, answered months later."""

import calendar
import re
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.cases.actions import do_start_follow_up
from consilium.cases.models import Case
from consilium.decisions.models import DecisionAid
from consilium.opinions.models import Opinion
from consilium.submissions.once import Once

from .models import FollowUpTask, OutcomeCheck, Owner, Source, TaskKind
from .policy import policy
from .schemas import TITLE_LIMIT, OutcomeIn, TaskIn

# When the tasks made from an opinion fall due, unless someone changes them.
FIRST_DUE: dict[str, int] = {TaskKind.TEST: 14, TaskKind.MONITORING: 30, TaskKind.OTHER: 7}


def _lines(text: str) -> list[str]:
    """The recommendations of a free-text field, one per line or sentence list item."""
    items = [re.sub(r"^[\s\-*•\d.)]+", "", line).strip() for line in (text or "").splitlines()]
    return [item[:TITLE_LIMIT] for item in items if item]


def do_start_plan(case: Case, *, acting_user) -> list[FollowUpTask]:
    """Move the case to follow-up and make its plan: each further test and follow-up
    recommendation of the signed opinions, and the patient's own next steps, become tasks;
    outcome questions are set for the months after the decision. Who may start it is the
    case policy's "follow_up", checked by ``do_start_follow_up`` on the locked case."""
    today = timezone.localdate()
    with transaction.atomic():
        do_start_follow_up(case, acting_user=acting_user)
        wanted: list[tuple[str, str, str, str]] = []
        for opinion in Opinion.objects.filter(consultation__case=case,
                                              signed_at__isnull=False):
            wanted += [(t, TaskKind.TEST, Owner.TREATING_PHYSICIAN, Source.OPINION)
                       for t in _lines(opinion.further_tests)]
            wanted += [(t, TaskKind.MONITORING, Owner.PATIENT, Source.OPINION)
                       for t in _lines(opinion.follow_up)]
        aid = DecisionAid.objects.filter(case=case).first()
        wanted += [(t, TaskKind.OTHER, Owner.PATIENT, Source.DECISION)
                   for t in _lines(aid.next_steps if aid else "")]
        tasks = FollowUpTask.objects.bulk_create(
            FollowUpTask(case=case, title=title, kind=kind, owner=owner, source=source,
                         due_date=today + timedelta(days=FIRST_DUE[kind]),
                         created_by=acting_user)
            for title, kind, owner, source in wanted)
        decided = getattr(case, "decision", None)
        start = timezone.localdate(decided.decided_at) if decided else today
        for months in settings.OUTCOME_CHECK_MONTHS:
            OutcomeCheck.objects.get_or_create(case=case, months=months, defaults={
                "due_date": _add_months(start, months)})
        record(acting_user, "follow_up_plan.create", case, case_id=case.id)
    return tasks


def _add_months(day: date, months: int) -> date:
    """The same day so many months on, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def do_add_task(case: Case, data: dict | TaskIn, *, acting_user, key: str = ""
                ) -> FollowUpTask:
    """Add a task to the plan, read as ``TaskIn`` (the follow-up policy's "add_task", checked
    first and again on the locked case). ``key``: the request's one-time key (the same key
    again returns the first task)."""
    once = Once(acting_user, key, FollowUpTask)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, case, "add_task")
    step = TaskIn.read(data)
    with transaction.atomic():
        policy.check(acting_user, Case.objects.select_for_update().get(id=case.id), "add_task")
        if (done := once.earlier()) is not None:
            return done
        task = FollowUpTask.objects.create(case=case, title=step.title, kind=step.kind,
                                           owner=step.owner, due_date=step.due_date,
                                           created_by=acting_user)
        once.made(task)
        record(acting_user, "follow_up_task.create", task, case_id=case.id)
    return task


def do_mark_task(task: FollowUpTask, done: bool, *, acting_user) -> FollowUpTask:
    """Done, or not done after all: the follow-up policy's "mark_task", on the locked case
    (a closed case's plan stays as it was)."""
    policy.check(acting_user, task.case, "mark_task")
    with transaction.atomic():
        policy.check(acting_user, Case.objects.select_for_update().get(id=task.case_id),
                     "mark_task")
        current = FollowUpTask.objects.select_for_update().get(id=task.id)
        current.done_at, current.done_by = (timezone.now(), acting_user) if done else (None, None)
        current.save(update_fields=["done_at", "done_by"])
        record(acting_user, "follow_up_task.done" if done else "follow_up_task.undone",
               current, case_id=current.case_id)
    return current


def do_answer_outcome(check: OutcomeCheck, followed: str, outcome: str, *,
                      acting_user) -> OutcomeCheck:
    """The patient's answer to a question now due, read as ``OutcomeIn``: the follow-up
    policy's "answer_outcome" for this question."""
    policy.check(acting_user, check.case, "answer_outcome", check=check)
    answer = OutcomeIn.read({"followed": followed, "outcome": outcome})
    with transaction.atomic():
        current = OutcomeCheck.objects.select_for_update().select_related("case").get(
            id=check.id)
        policy.check(acting_user, current.case, "answer_outcome", check=current)
        current.followed, current.outcome = answer.followed, answer.outcome
        current.answered_at = timezone.now()
        current.save()
        record(acting_user, "outcome_check.answer", current, case_id=current.case_id)
    return current
