from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.accounts.models import Role
from consilium.appointments.access import appointments_of
from consilium.appointments.actions import OPEN_FOR
from consilium.consultations.models import ACTIVE_STATUSES
from consilium.conversations.access import unread_count
from consilium.conversations.policy import policy as message_policy
from consilium.decisions.views import decision_context
from consilium.directory.matching import match_case
from consilium.errors import InvalidInput
from consilium.followup.actions import do_start_plan
from consilium.forms import add_action_errors, form_status
from consilium.opinions.access import questions_with_answers, signed_opinion_for_case
from consilium.opinions.views import opinion_context
from consilium.records.access import record_case_list_records
from consilium.records.actions import can_add_records
from consilium.records.checklist import checklist_status
from consilium.records.models import RecordType
from consilium.records.summary import clinical_summary

from . import actions
from .access import access_case_by_id, cases_visible_to, record_case_list
from .forms import AcceptInvitationForm, CaseForm, ShareForm
from .models import EDITABLE_STATES, Share, ShareRole, Status

PAGE_SIZE = 25
# The case page lists the newest records; the records page has them all.
LATEST_RECORDS = 10


@login_required
def case_list(request):
    cases = cases_visible_to(request.user).select_related("patient")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    record_case_list(request.user, page.object_list)
    return render(request, "cases/list.html", {"page": page})


@login_required
def case_new(request):
    if request.user.role != Role.PATIENT:
        messages.info(request, "Cases are started by patients.")
        return redirect("case_list")
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_create_case(form.to_action_data(), acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your case is saved as a draft. Submit it when ready.")
            return redirect("case_detail", case_id=case.id)
    return render(request, "cases/form.html", {"form": form, "case": None},
                  status=form_status(form))


@login_required
def case_edit(request, case_id):
    case = access_case_by_id(request.user, case_id)
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
    user = request.user
    consultations = list(case.consultations.select_related("specialist"))
    opinion = signed_opinion_for_case(user, case)
    questions = questions_with_answers(case, opinion)
    records = list(case.records.select_related("uploaded_by", "preview", "source")
                   .defer("text")[:LATEST_RECORDS])
    if records:
        record_case_list_records(user, case, records)
    # One grouped query gives both the record count and the types the checklist needs;
    # order_by() drops the default ordering so the grouping is by type alone.
    records_by_type = dict(case.records.order_by().values_list("record_type")
                           .annotate(n=Count("id")))
    is_owner = case.patient_id == user.id
    is_coordinator = user.role == Role.COORDINATOR
    context = {
        "case": case,
        "questions": questions,
        "events": list(case.events.select_related("actor")),
        "consultations": consultations,
        "my_consultation": next(
            (c for c in consultations if c.specialist.user_id == user.id
             and c.status in ("offered", "accepted")), None,
        ),
        "opinion": opinion,
        **opinion_context(opinion, user, case),
        **decision_context(user, case),
        "is_owner": is_owner,
        "is_coordinator": is_coordinator,
        "can_edit": is_owner and case.status in EDITABLE_STATES,
        "can_submit": (is_owner or is_coordinator) and case.status == Status.DRAFT,
        "can_withdraw": (is_owner or is_coordinator) and case.can_move_to(Status.WITHDRAWN),
        "can_mark_records": is_coordinator and case.status == Status.SUBMITTED,
        "can_offer": is_coordinator
        and case.status in (Status.SUBMITTED, Status.RECORDS_COMPLETE)
        and not any(c.status in ACTIVE_STATUSES for c in consultations),
        "can_follow_up": (is_owner or is_coordinator) and case.status == Status.DECIDED,
        "can_close": (is_owner or is_coordinator) and case.can_move_to(Status.CLOSED),
        "records": records,
        "record_count": sum(records_by_type.values()),
        "imaging_series_count": case.imaging_series.count(),
        "clinical": clinical_summary(case),
        "record_types": RecordType.choices,
        "max_file_size": settings.RECORDS_MAX_FILE_BYTES,
        "resumable_uploads": settings.RESUMABLE_UPLOADS,
        "checklist": checklist_status(
            case.checklist, set(records_by_type)),
        "can_add_records": can_add_records(case, user),
        "converses": message_policy.may(user, case, "read"),
        "unread_messages": unread_count(case, user),
        "service_level_days": settings.SERVICE_LEVEL_DAYS,
        "appointments": appointments_of(case),
        "arrange_on": next((c for c in consultations if c.status in OPEN_FOR and (
            is_coordinator or c.specialist.user_id == user.id)), None),
    }
    if context["can_offer"]:
        context["matches"] = match_case(case, limit=3)
    if is_owner:
        context["shares"] = list(
            case.shares.filter(revoked_at__isnull=True).select_related("grantee")
        )
        context["share_form"] = ShareForm()
    return render(request, "cases/detail.html", context)


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
case_close = _case_action(actions.do_close_case, "The case is closed.")


@login_required
def case_withdraw(request, case_id):
    """Ask for confirmation, then withdraw: it cannot be undone."""
    case = access_case_by_id(request.user, case_id)
    if request.method == "POST":
        actions.do_withdraw_case(case, acting_user=request.user)
        messages.success(request, "The case is withdrawn.")
        return redirect("case_detail", case_id=case.id)
    return render(request, "cases/withdraw.html", {"case": case})


@login_required
@require_POST
def case_share(request, case_id):
    case = access_case_by_id(request.user, case_id, check=actions.may_share)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            shared = actions.do_share_case(
                case, form.cleaned_data["grantee"],
                role=form.cleaned_data["role"] or ShareRole.CAREGIVER,
                acting_user=request.user,
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
    case = access_case_by_id(request.user, case_id, check=actions.may_share)
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
