from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.accounts.models import Role
from consilium.errors import InvalidInput
from consilium.followup.actions import do_start_plan
from consilium.forms import add_action_errors, form_status
from consilium.records.intake import draft_intake
from consilium.submissions.once import key_of

from . import actions, queue_actions
from .access import (
    SPECIALIST_VISIBLE,
    access_case_by_id,
    case_list_readers_only,
    cases_visible_to,
    record_case_list,
)
from .forms import AcceptInvitationForm, CaseForm, IntakeForm, ShareForm
from .intake_actions import StaleIntake, do_save_intake_summary, intake_of
from .models import Share, ShareRole
from .page import case_page
from .policy import policy, starts_cases

PAGE_SIZE = 25


@login_required
def case_list(request):
    case_list_readers_only(request.user)
    cases = cases_visible_to(request.user).select_related("patient")
    if request.user.role == Role.SPECIALIST:
        cases = cases.prefetch_related("consultations__specialist")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    record_case_list(request.user, page.object_list)
    if request.user.role == Role.SPECIALIST:
        _with_own_consultation(page.object_list, request.user)
    return render(request, "cases/list.html",
                  {"page": page, "may_start": starts_cases(request.user),
                   "today": timezone.localdate()})


def _with_own_consultation(cases, specialist_user) -> None:
    """Give each case the specialist's own offer or consultation (``mine``), the newest, so
    the list shows its answer-by or due date (from the prefetched consultations: no query
    per row)."""
    for case in cases:
        own = [c for c in case.consultations.all()
               if c.specialist.user_id == specialist_user.pk and c.status in SPECIALIST_VISIBLE]
        case.mine = max(own, key=lambda c: c.offered_at, default=None)


@login_required
def case_new(request):
    if not starts_cases(request.user):
        messages.info(request, "Cases are started by patients.")
        return redirect("case_list")
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_create_case(form.to_action_data(), acting_user=request.user,
                                          key=key_of(request))
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your case is saved as a draft. Submit it when ready.")
            return redirect("case_detail", case_id=case.id)
    return render(request, "cases/form.html", {"form": form, "case": None},
                  status=form_status(form))


@login_required
def case_edit(request, case_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("edit"))
    if request.method == "POST":
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                actions.do_update_case(case, form.to_action_data(), acting_user=request.user)
            except InvalidInput as error:
                add_action_errors(form, error)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect("case_detail", case_id=case.id)
    else:
        form = CaseForm.from_case(case)
    return render(request, "cases/form.html", {"form": form, "case": case},
                  status=form_status(form))


@login_required
def case_detail(request, case_id):
    case = access_case_by_id(request.user, case_id)
    return render(request, "cases/detail.html", case_page(request.user, case))


@login_required
def case_intake(request, case_id):
    """The coordinator writes the case summary for the specialist, or confirms the draft
    pre-filled from the case (records.intake) by saving it; a save based on an older version
    than the one stored is refused (409) with the stored version shown, nothing overwritten."""
    # The read is the case's ("case.view"); the save's audit row is "case.intake".
    case = access_case_by_id(request.user, case_id, check=policy.checker("write_intake"))
    intake = intake_of(case)
    stale = None
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                do_save_intake_summary(case, form.to_action_data(), acting_user=request.user,
                                       base_version=form.cleaned_data["version"])
            except StaleIntake as refusal:
                # The coordinator's words stay in the form, now based on the version they
                # were shown: saving again replaces it knowingly.
                stale, intake = refusal, refusal.current
                data = request.POST.copy()
                data["version"] = str(intake.version)
                form = IntakeForm(data)
            except InvalidInput as error:
                add_action_errors(form, error)
            else:
                messages.success(request, "The case summary is saved. The specialist reads it "
                                          "first, before deciding to take the case.")
                return redirect("case_detail", case_id=case.id)
    elif intake is not None:
        form = IntakeForm(initial={"version": intake.version, **{
            name: getattr(intake, name) for name in IntakeForm.base_fields if name != "version"}})
    else:
        form = IntakeForm(initial={"version": 0, **draft_intake(case)})
    return render(request, "cases/intake.html", {
        "case": case, "form": form, "intake": intake, "stale": stale,
        "prefilled": intake is None and request.method != "POST"},
        status=409 if stale else form_status(form))


def _case_action(action, success: str):
    """A POST-only page action on one case: run it, say what happened, back to the case."""

    @login_required
    @require_POST
    def view(request, case_id):
        case = access_case_by_id(request.user, case_id)
        action(case, acting_user=request.user)
        messages.success(request, success)
        return redirect("case_detail", case_id=case.id)

    return view


case_submit = _case_action(
    actions.do_submit_case, "Your case is submitted. A coordinator will review it."
)
case_mark_records = _case_action(actions.do_mark_records_complete, "Records marked complete.")
case_follow_up = _case_action(
    do_start_plan, "The case is now in follow-up. Its plan is made from the opinion's "
                   "recommendations and your next steps: check the dates and add what is missing.")


@login_required
def case_owner(request, case_id):
    """Take the case ("me"), hand it to another coordinator, or leave it to nobody: the GET
    asks which coordinator, the POST sets it."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("take_on"))
    error = ""
    if request.method == "POST":
        try:
            queue_actions.do_set_case_owner(case, request.POST.get("owner", ""),
                                            acting_user=request.user)
        except InvalidInput as invalid:
            error = " ".join(invalid.errors.values())
        else:
            messages.success(request, f"{case.owner} has this case now." if case.owner
                             else "Nobody has this case now.")
            return redirect(_back_to(request, case))
    return render(request, "cases/owner.html", {
        "case": case, "coordinators": queue_actions.coordinators(), "error": error},
        status=422 if error else 200)


@login_required
@require_POST
def case_procedure_date(request, case_id):
    """Record (or clear) the day the first opinion's procedure is planned for."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("plan_procedure"))
    try:
        queue_actions.do_plan_procedure(case, request.POST.get("planned_procedure_on", ""),
                                        acting_user=request.user)
    except InvalidInput as invalid:
        return render(request, "error.html", {
            "message": " ".join(invalid.errors.values()), "status": 422, "case_id": case.id},
            status=422)
    messages.success(request, "The planned procedure date is saved." if
                     case.planned_procedure_on else "The planned procedure date is cleared.")
    return redirect("case_detail", case_id=case.id)


def _back_to(request, case):
    """Back to the work queue when the change was made from it, else to the case."""
    if request.POST.get("next") == "queue":
        return "work_queue"
    return reverse("case_detail", kwargs={"case_id": case.id})


@login_required
def case_close(request, case_id):
    """Ask first, saying what closing means, then close: it cannot be taken back."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("close"))
    if request.method == "POST":
        actions.do_close_case(case, acting_user=request.user)
        messages.success(request, "The case is closed.")
        return redirect("case_detail", case_id=case.id)
    return render(request, "cases/close.html", {"case": case})


@login_required
def case_withdraw(request, case_id):
    """Ask for confirmation, then withdraw: it cannot be undone."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("withdraw"))
    if request.method == "POST":
        actions.do_withdraw_case(case, acting_user=request.user)
        messages.success(request, "The case is withdrawn.")
        return redirect("case_detail", case_id=case.id)
    return render(request, "cases/withdraw.html", {"case": case})


@login_required
@require_POST
def case_share(request, case_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("share"))
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            shared = actions.do_share_case(
                case, form.cleaned_data["grantee"],
                role=form.cleaned_data["role"] or ShareRole.CAREGIVER,
                acting_user=request.user, key=key_of(request),
            )
        except InvalidInput as error:
            messages.error(request, " ".join(error.errors.values()))
        else:
            messages.success(request, "The case is shared." if isinstance(shared, Share) else
                             "We emailed an invitation. They will see the case once they "
                             "create their account.")
    else:
        messages.error(request, "Give a username or email, and say who they are.")
    return redirect("case_detail", case_id=case.id)


@login_required
@require_POST
def case_unshare(request, case_id, share_id):
    case = access_case_by_id(request.user, case_id, check=policy.checker("unshare"))
    actions.do_revoke_share(case, share_id, acting_user=request.user)
    messages.success(request, "That person can no longer see this case.")
    return redirect("case_detail", case_id=case.id)


def accept_invitation(request, token):
    """The page behind an invitation link: create an account and see the shared case."""
    invitation = actions.find_invitation(token)
    if invitation is None:
        return render(request, "cases/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.do_accept_invitation(token, form.cleaned_data)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome. Your account is ready.")
            return redirect("case_detail", case_id=invitation.case_id)
    return render(request, "cases/invitation.html", {"form": form, "invitation": invitation},
                  status=form_status(form))
