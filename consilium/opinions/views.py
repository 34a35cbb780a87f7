from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from consilium.errors import InvalidInput
from consilium.forms import form_status

from .access import access_opinion_by_consultation_id
from .actions import do_save_opinion, do_sign_opinion
from .forms import OpinionForm


@login_required
def edit(request, consultation_id):
    """The specialist's opinion form: save a draft, or save and go on to sign."""
    consultation, opinion = access_opinion_by_consultation_id(request.user, consultation_id)
    case = consultation.case
    questions = list(case.questions.all())
    if opinion is not None and opinion.is_signed or consultation.status != "accepted":
        return redirect("case_detail", case_id=case.id)
    if request.method == "POST":
        form = OpinionForm(request.POST, questions=questions)
        signing = request.POST.get("intent") == "sign"
        if form.is_valid():
            try:
                do_save_opinion(consultation, form.to_action_data(), acting_user=request.user)
                if signing and not form.cleaned_data["confirm_sign"]:
                    raise InvalidInput({"confirm_sign": "Tick this box to sign."})
                if signing:
                    do_sign_opinion(consultation, acting_user=request.user)
            except InvalidInput as error:
                for field, message in error.errors.items():
                    form.add_error_for(field, message)
            else:
                if signing:
                    messages.success(request, "Your opinion is signed and delivered.")
                    return redirect("case_detail", case_id=case.id)
                messages.success(request, "Draft saved.")
                return redirect("opinion_edit", consultation_id=consultation.id)
    else:
        form = OpinionForm(initial=OpinionForm.initial_from(opinion), questions=questions)
    status = form_status(form)
    return render(
        request, "opinions/edit.html",
        {"consultation": consultation, "case": case, "form": form, "opinion": opinion},
        status=status,
    )
