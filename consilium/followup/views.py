from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.audit.trail import record
from consilium.cases.access import access_case_by_id
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors
from consilium.submissions.once import key_of
from consilium.terms.access import current as program_terms

from .actions import do_add_task, do_answer_outcome, do_mark_task
from .calendar import plan_ics
from .forms import OutcomeForm, TaskForm
from .policy import open_outcome_check, policy


def _plan(user, case):
    """The plan's steps and questions (the questions prefetched, for the policy's rules)."""
    prefetch_related_objects([case], "outcome_checks")
    tasks = list(case.follow_up_tasks.all())
    checks = list(case.outcome_checks.all())
    if tasks or checks:
        record(user, "follow_up_plan.view", case, case_id=case.id)
    return tasks, checks


@login_required
def plan(request, case_id, task_form=None, outcome_form=None, status=200):
    """The plan; its controls are the follow-up policy's ``allowed`` for this user."""
    case = access_case_by_id(request.user, case_id)
    tasks, checks = _plan(request.user, case)
    allowed = policy.allowed(request.user, case)
    return render(request, "followup/plan.html", {
        "case": case, "allowed": allowed, "open_tasks": [t for t in tasks if not t.is_done],
        "done_tasks": [t for t in tasks if t.is_done], "checks": checks,
        "today": timezone.localdate(),
        "task_form": task_form or TaskForm(),
        "open_check": open_outcome_check(case) if "answer_outcome" in allowed else None,
        "outcome_form": outcome_form or OutcomeForm(),
        "reminder_days": program_terms().task_reminder_days,
    }, status=status)


@login_required
@require_POST
def add_task(request, case_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("add_task"))
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            do_add_task(case, form.cleaned_data, acting_user=request.user,
                        key=key_of(request))
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Added to the plan.")
            return redirect("follow_up_plan", case_id=case.id)
    return plan(request, case_id, task_form=form, status=422)


@login_required
@require_POST
def mark_task(request, case_id, task_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("mark_task"))
    task = case.follow_up_tasks.filter(id=task_id).first()
    if task is None:
        raise Http404("No such task")
    done = request.POST.get("done") == "yes"
    do_mark_task(task, done, acting_user=request.user)
    messages.success(request, "Marked done." if done else "Marked not done.")
    return redirect("follow_up_plan", case_id=case.id)


@login_required
@require_POST
def answer_outcome(request, case_id, check_id):
    case = access_case_by_id(request.user, case_id)
    check = case.outcome_checks.filter(id=check_id).first()
    if check is None:
        raise Http404("No such question")
    policy.check(request.user, case, "answer_outcome", check=check)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            do_answer_outcome(check, form.cleaned_data["followed"], form.cleaned_data["outcome"],
                              acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Thank you. Your answer helps the program improve.")
            return redirect("follow_up_plan", case_id=case.id)
    return plan(request, case_id, outcome_form=form, status=422)


@login_required
def plan_calendar(request, case_id):
    case = access_case_by_id(request.user, case_id)
    tasks, _ = _plan(request.user, case)
    return HttpResponse(plan_ics(case, tasks), content_type="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="follow-up-{case.short_id}.ics"'})
