from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consilium.cases.access import access_case_by_id, is_case_owner
from consilium.cases.actions import (
    INSTITUTION_NOT_CONFIRMED,
    NEW_SYSTEM,
    NOT_CONFIRMED,
    NOT_LISTED,
    do_confirm_institution,
    do_confirm_system,
    do_unconfirm_institution,
    do_unconfirm_system,
)
from consilium.cases.intake_actions import intake_of
from consilium.cases.page import case_page
from consilium.cases.policy import HOLDING_STATES, offerers_only
from consilium.cases.policy import policy as case_policy
from consilium.directory import systems
from consilium.directory.access import directory_specialties, near_institutions, near_systems
from consilium.directory.search import SpecialistQuery, search_specialists
from consilium.errors import Conflict, InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.submissions.once import key_of

from .access import access_consultation_by_id
from .actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
    do_offer_part,
    do_release_consultation,
    do_withdraw_consultation,
    offer_check,
)
from .clock import due_on_accepting
from .forms import DeclineForm, EndForm
from .matching import COMPONENT_NAMES, match_case
from .models import ACTIVE_STATUSES
from .policy import policy

MATCHES_SHOWN = 20


@login_required
def matches(request, case_id):
    """The proposals for offering a case, their scores and reasons, and who the rules left
    out; each proposal's Offer posts to ``offer``."""
    case = access_case_by_id(request.user, case_id, action="case.matches",
                             check=offerers_only)
    found = match_case(case, limit=MATCHES_SHOWN)
    weights = [(COMPONENT_NAMES[k], v) for k, v in found.weights.items()]
    rows = [(proposal, [(COMPONENT_NAMES[k], v, found.weights[k], v * found.weights[k])
                        for k, v in proposal.components.items()])
            for proposal in found.proposals]  # each proposal with its score's components
    return render(request, "consultations/matches.html", {
        "case": case, "matches": found, "rows": rows, "weights": weights,
        "allowed": case_policy.allowed(request.user, case),
        "patient_chooses": is_case_owner(request.user, case),  # the wording only
        # the known systems and institutions near the first opinion's names, to confirm
        # them before offering
        "near_systems": near_systems([case.hospital_system, case.institution])
        if case.first_system_id is None else [],
        "new_system": NEW_SYSTEM,
        "institution_confirmed": case.first_institution_id is not None
        or case.first_institution_unlisted,
        "near_institutions": near_institutions([case.institution])
        if case.first_institution_id is None and not case.first_institution_unlisted else [],
        "not_listed": NOT_LISTED,
        # ticked beforehand only for the very name ("Bayview Spine Center" is not "Bayview
        # Cancer Center", though either may be of one system)
        "institution_key": systems.key(case.institution),
        # an open offer: the undo links say to withdraw it first instead
        "offer_open": case.consultations.filter(status__in=HOLDING_STATES).exists(),
        "no_intake": intake_of(case) is None,
    })


@login_required
@require_POST
def confirm_institution(request, case_id):
    """The coordinator's answer to "which institution is the first opinion from?"; one
    that belongs to a known system confirms that system too."""
    case = access_case_by_id(request.user, case_id,
                             check=case_policy.checker("confirm_institution"))
    had_system = case.first_system_id is not None
    try:
        do_confirm_institution(case, request.POST.get("institution_id", ""),
                               acting_user=request.user)
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        if case.first_institution is None:
            messages.success(request, "The first opinion's institution is not in the "
                                      "directory. Confirm its hospital system below.")
        elif not had_system and case.first_system is not None:
            messages.success(request, f"The first opinion is from {case.first_institution.name}"
                                      f", of {case.first_system.name}.")
        else:
            messages.success(request, f"The first opinion is from "
                                      f"{case.first_institution.name}.")
    return redirect("case_matches", case_id=case.id)


@login_required
def unconfirm_institution(request, case_id):
    """Undo the confirmed first-opinion institution: asked first (GET), done on POST."""
    case = access_case_by_id(request.user, case_id,
                             check=case_policy.checker("confirm_institution"))
    return _undo_confirmation(
        request, case, case.first_institution_id is not None or case.first_institution_unlisted,
        not_confirmed=INSTITUTION_NOT_CONFIRMED, undo=do_unconfirm_institution,
        template="consultations/unconfirm_institution.html",
        done="The first opinion's institution is no longer confirmed. Confirm it again "
             "before offering the case.")


def _undo_confirmation(request, case, confirmed: bool, *, not_confirmed, undo, template, done):
    """An undo page of the matches page: asked first (GET), done on POST; nothing to undo,
    or undone by someone else meanwhile (the action's Conflict), is said plainly."""
    if not confirmed:
        messages.info(request, not_confirmed)
        return redirect("case_matches", case_id=case.id)
    if request.method != "POST":
        return render(request, template, {"case": case})
    try:
        undo(case, acting_user=request.user)
    except Conflict as refusal:  # undone by someone else meanwhile, or an offer made
        messages.info(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("case_matches", case_id=case.id)


@login_required
@require_POST
def confirm_system(request, case_id):
    """The coordinator's answer to "which hospital system is the first opinion from?"."""
    case = access_case_by_id(request.user, case_id, check=case_policy.checker("confirm_system"))
    try:
        do_confirm_system(case, request.POST.get("system_id", ""),
                          name=request.POST.get("name", ""), acting_user=request.user)
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        assert case.first_system is not None
        messages.success(request, f"The first opinion is from {case.first_system.name}.")
    return redirect("case_matches", case_id=case.id)


@login_required
def unconfirm_system(request, case_id):
    """Undo the confirmed first-opinion system: asked first (GET), done on POST."""
    case = access_case_by_id(request.user, case_id, check=case_policy.checker("confirm_system"))
    return _undo_confirmation(
        request, case, case.first_system is not None, not_confirmed=NOT_CONFIRMED,
        undo=do_unconfirm_system, template="consultations/unconfirm_system.html",
        done="The first opinion's hospital system is no longer confirmed. Confirm it again "
             "before offering the case.")


@login_required
@require_POST
def offer(request, case_id):
    key = key_of(request)
    case = access_case_by_id(request.user, case_id, check=offer_check(key))
    try:
        consultation = do_offer_consultation(
            case, request.POST.get("specialist_id", ""), acting_user=request.user, key=key,
            reason=request.POST.get("reason"),
        )
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
        if isinstance(request.POST.get("reason"), str):
            # the form for a specialist who is not proposed: shown again as it was filled
            # in, so that the reason typed is not lost
            return render(request, "cases/detail.html", {
                **case_page(request.user, case),
                "offer_other": {"specialist_id": request.POST.get("specialist_id", ""),
                                "reason": request.POST["reason"]}}, status=422)
    else:
        messages.success(request, f"The case is offered to {consultation.specialist.name}.")
        if intake_of(case) is None and case_policy.may(request.user, case, "write_intake"):
            # Warned, not refused: the offer stands (a case can be urgent, and the patient
            # may choose their specialist); the summary can follow while the offer is open.
            messages.warning(request, "There is no case summary yet: until you write one, "
                                      f"{consultation.specialist.name} decides from the first "
                                      "opinion and the questions alone.")
    return redirect("case_detail", case_id=case.id)


@login_required
def accept(request, consultation_id):
    """Ask for confirmation, showing the due date accepting commits to; then accept."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("accept"))
    if request.method != "POST":
        return render(request, "consultations/accept.html", {
            "consultation": consultation, "due": due_on_accepting(consultation)})
    do_accept_consultation(consultation, acting_user=request.user)
    if consultation.is_part:
        messages.success(request, "You accepted the part. It is due by "
                         f"{consultation.due_date:%d %B %Y}.")
        return redirect("part_edit", consultation_id=consultation.id)
    messages.success(request, "You accepted the case. Your opinion is due by "
                     f"{consultation.due_date:%d %B %Y}.")
    return redirect("opinion_edit", consultation_id=consultation.id)


@login_required
def decline(request, consultation_id):
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("decline"))
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


@login_required
def withdraw(request, consultation_id):
    """The coordinator takes back an unanswered offer; then offers the case to someone else
    (the matches page, which leaves out whoever was offered it before)."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("withdraw"))
    form = EndForm(request.POST or None, label="Why are you withdrawing the offer?",
                   help_text="Kept in the case's record for the coordinators; the specialist "
                             "is told only that the offer was withdrawn.")
    if request.method == "POST" and form.is_valid():
        try:
            do_withdraw_consultation(consultation, form.cleaned_data["reason"],
                                     acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            if consultation.is_part:  # the case keeps its lead: back to the case
                messages.success(request, f"The part asked of {consultation.specialist.name} "
                                          "is withdrawn.")
                return redirect("case_detail", case_id=consultation.case_id)
            messages.success(request, f"The offer to {consultation.specialist.name} is "
                             "withdrawn. Choose who to offer the case to next.")
            return redirect("case_matches", case_id=consultation.case_id)
    return render(request, "consultations/withdraw.html",
                  {"consultation": consultation, "form": form}, status=form_status(form))


@login_required
def release(request, consultation_id):
    """The specialist hands an accepted case back before signing; they lose access to it."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("release"))
    form = EndForm(request.POST or None, label="Why are you handing the case back?",
                   help_text="The coordinators read this to find another specialist.")
    if request.method == "POST" and form.is_valid():
        try:
            do_release_consultation(consultation, form.cleaned_data["reason"],
                                    acting_user=request.user)
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "You handed the part back. The coordinators are told."
                             if consultation.is_part else "You handed the case back. The "
                             "coordinators will offer it to another specialist.")
            return redirect("case_list")
    return render(request, "consultations/release.html",
                  {"consultation": consultation, "form": form}, status=form_status(form))


PART_CANDIDATES_SHOWN = 20


@login_required
def offer_part(request, case_id):
    """Ask a specialist of another specialty for a part of the review (a pathology or
    radiology re-read): find them by specialty and name, say what is asked, ask. The search
    is posted with the form (what is asked is health data: never in the URL)."""
    case = access_case_by_id(request.user, case_id, action="case.offer_part",
                             check=case_policy.checker("offer_part"))
    posted = request.POST
    query = SpecialistQuery(q=posted.get("q", "").strip(),
                            specialty=posted.get("specialty", "").strip(), accepting=True)
    errors: dict[str, str] = {}
    if request.method == "POST" and posted.get("intent") == "ask":
        try:
            do_offer_part(case, posted.get("specialist_id"), posted.get("asked", ""),
                          acting_user=request.user, key=key_of(request))
        except InvalidInput as error:
            errors = dict(error.errors)
        except Conflict as error:
            errors = {"specialist_id": error.message}
        else:
            messages.success(request, "The part is offered. The specialist is told, and you "
                                      "will see their answer on the case page.")
            return redirect("case_detail", case_id=case.id)
    candidates = []
    if query.q or query.specialty:
        try:
            candidates = [found.specialist for found in
                          search_specialists(query, limit=PART_CANDIDATES_SHOWN).items]
        except InvalidInput as error:
            errors.update(error.errors)
    return render(request, "consultations/offer_part.html", {
        "case": case, "query": query, "candidates": candidates, "errors": errors,
        "asked": posted.get("asked", ""), "chosen": posted.get("specialist_id", ""),
        "specialties": directory_specialties(), "searched": bool(query.q or query.specialty),
        "on_case": {c.specialist_id for c in case.consultations.all()
                    if c.status in ACTIVE_STATUSES},
    }, status=422 if errors else 200)
