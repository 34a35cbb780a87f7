"""The pages of a combined review's part: its specialist writes the findings, then signs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from consilium.cases.intake_actions import intake_of
from consilium.errors import DomainError
from consilium.forms import add_action_errors, form_status

from .access import access_part_by_consultation_id
from .forms import PartForm, SignPartForm
from .part_actions import StalePart, do_save_part, do_sign_part
from .policy import part_of, part_policy


@login_required
def part(request, consultation_id):
    """The part's page: what was asked, the case summary, and the findings form while the
    part may be written ("Review and sign" saves and opens the signing page); once signed,
    the part as signed."""
    consultation, found = access_part_by_consultation_id(request.user, consultation_id)
    allowed = part_policy.allowed(request.user, found or part_of(consultation))
    form = PartForm(request.POST or None, initial={
        "findings": found.findings if found else "", "version": found.version if found else 0})
    if request.method == "POST" and "edit" in allowed and form.is_valid():
        try:
            do_save_part(consultation, form.cleaned_data["findings"], acting_user=request.user,
                         base_version=form.cleaned_data["version"])
        except StalePart as stale:
            form.add_error(None, stale.message)
        except DomainError as error:
            add_action_errors(form, error)
        else:
            if request.POST.get("intent") == "review":
                return redirect("part_sign", consultation_id=consultation.id)
            messages.success(request, "Your part is saved.")
            return redirect("part_edit", consultation_id=consultation.id)
    return render(request, "opinions/part.html", {
        "consultation": consultation, "case": consultation.case, "part": found,
        "form": form, "allowed": allowed, "intake": intake_of(consultation.case),
    }, status=form_status(form))


@login_required
def sign_part(request, consultation_id):
    """Review the part as the lead and the patient will read it, then sign it."""
    consultation, found = access_part_by_consultation_id(request.user, consultation_id)
    if found is None or not found.findings:
        messages.info(request, "Write your findings first.")
        return redirect("part_edit", consultation_id=consultation.id)
    form = SignPartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_sign_part(consultation, acting_user=request.user, request=request,
                         secret=form.cleaned_data["password"])
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your part is signed. The lead specialist and the "
                                      "coordinators are told.")
            return redirect("case_detail", case_id=consultation.case_id)
    return render(request, "opinions/part_sign.html", {
        "consultation": consultation, "case": consultation.case, "part": found, "form": form,
        "allowed": part_policy.allowed(request.user, found),
    }, status=form_status(form))
