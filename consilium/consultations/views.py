from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.cases.access import access_case_by_id
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status

from .access import access_consultation_by_id
from .actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
    require_offer,
)
from .forms import DeclineForm


@login_required
@require_POST
def offer(request, case_id):
    case = access_case_by_id(request.user, case_id, check=require_offer)
    try:
        consultation = do_offer_consultation(
            case, request.POST.get("specialist_id", ""), acting_user=request.user
        )
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, f"The case is offered to {consultation.specialist.name}.")
    return redirect("case_detail", case_id=case.id)


@login_required
@require_POST
def accept(request, consultation_id):
    consultation = access_consultation_by_id(request.user, consultation_id)
    do_accept_consultation(consultation, acting_user=request.user)
    messages.success(request, "You accepted the case. Your opinion is due by "
                     f"{consultation.due_date:%d %B %Y}.")
    return redirect("opinion_edit", consultation_id=consultation.id)


@login_required
def decline(request, consultation_id):
    consultation = access_consultation_by_id(request.user, consultation_id)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_decline_consultation(
                consultation, form.cleaned_data["reason"], acting_user=request.user
            )
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "You declined the case. The coordinator will be told.")
            return redirect("case_list")
    status = form_status(form)
    return render(request, "consultations/decline.html",
                  {"consultation": consultation, "form": form}, status=status)
