"""Reminders of the follow-up plan, sent by the hourly ``manage.py check_deadlines``:

- a task not done is reminded once, the program's task reminder days (terms.access)
  before it is due (to the coordinators when it is theirs, to the patient otherwise: their
  doctor's tasks too, since the patient is the one who books them);
- an outcome question is sent once when its months have passed.

Notices never carry health data: fixed wording and a link.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role, notify_users
from consilium.cases.models import Status
from consilium.terms.access import current as program_terms

from .models import FollowUpTask, OutcomeCheck, Owner

ACTIVE = (Status.DECIDED, Status.FOLLOWING_UP)


@dataclass
class Sent:
    tasks: int = 0
    outcome_questions: int = 0


def send_reminders() -> Sent:
    today = timezone.localdate()
    sent = Sent()
    horizon = today + timedelta(days=program_terms().task_reminder_days)
    with transaction.atomic():
        due = list(FollowUpTask.objects.select_for_update(of=("self",)).filter(
            done_at__isnull=True, reminded_on__isnull=True, due_date__lte=horizon,
            case__status__in=ACTIVE).select_related("case"))
        for task in due:
            if task.owner == Owner.COORDINATOR:
                notify_role(Role.COORDINATOR, "A follow-up task is due soon", task.case)
            else:
                notify_users([task.case.patient_id], "A step of your follow-up plan is due soon",
                             task.case)
        FollowUpTask.objects.filter(id__in=[t.id for t in due]).update(reminded_on=today)
        sent.tasks = len(due)
        checks = list(OutcomeCheck.objects.select_for_update(of=("self",)).filter(
            asked_at__isnull=True, due_date__lte=today).select_related("case"))
        for check in checks:
            notify_users([check.case.patient_id], "How are you doing? A short question about "
                                                  "your second opinion", check.case)
        OutcomeCheck.objects.filter(id__in=[c.id for c in checks]).update(
            asked_at=timezone.now())
        sent.outcome_questions = len(checks)
    return sent
