from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.cases.access import access_case_by_id
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors

from .actions import do_record_decision
from .forms import DecisionForm


@login_required
@require_POST
def record_decision(request, case_id):
    case = access_case_by_id(request.user, case_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            do_record_decision(
                case, form.cleaned_data["choice"], form.cleaned_data["explanation"],
                acting_user=request.user,
            )
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your decision is recorded and shared with your care team.")
            return redirect("case_detail", case_id=case.id)
    return render(request, "decisions/form.html", {"case": case, "form": form}, status=422)
