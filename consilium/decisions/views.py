from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.audit.trail import record
from consilium.cases.access import access_case_by_id
from consilium.cases.models import Status
from consilium.comparison.reading import comparison_for_case
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors

from . import aid
from .access import aid_of_case
from .actions import do_record_decision, do_save_decision_aid
from .forms import DecisionForm
from .models import DecisionRole, Pressure

# Where the patient may still work on the decision (after it is recorded, too: plans change).
AID_STATES = (Status.OPINION_DELIVERED, Status.DECIDED, Status.FOLLOWING_UP)


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


@login_required
def decision_aid(request, case_id):
    """The decision aid: the patient works through it; those who see the case read it."""
    case = access_case_by_id(request.user, case_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            do_save_decision_aid(case, _data_from(request.POST), acting_user=request.user)
        except InvalidInput as error:
            errors = error.errors
        else:
            messages.success(request, "Saved. You can come back to this page at any time.")
            return redirect(f"{request.path}#{request.POST.get('section', 'weigh')}")
    context = _context(request.user, case)
    context["errors"] = errors
    return render(request, "decisions/aid.html", context, status=422 if errors else 200)


@login_required
def decision_summary(request, case_id):
    """One page to share with the care team: the decision, its reasons, the options as the
    patient weighed them, the SURE score and the next steps."""
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up

    case = access_case_by_id(request.user, case_id)
    context = _context(request.user, case)
    if context["work"] is not None:
        record(request.user, "decision_aid.summary_pdf", context["work"], case_id=case.id)
    context["printed"] = timezone.localtime()
    pdf = HTML(string=render_to_string("decisions/summary_pdf.html", context)).write_pdf()
    return HttpResponse(pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="decision-{case.short_id}.pdf"'})


def _context(user, case) -> dict:
    seen = comparison_for_case(user, case)
    work = aid_of_case(user, case)
    options = aid.options_for(case, [s.opinion for s in seen.all] if seen else [])
    criteria = aid.criteria_of(work)
    fit = aid.scores(work, options)
    ratings = (work.ratings if work else {}) or {}
    sure = aid.sure_score(work)
    decision = getattr(case, "decision", None)
    return {
        "case": case, "seen": seen, "work": work, "options": options,
        "criteria": criteria, "weights": (work.weights if work else {}) or {},
        "rows": [(o, fit[o.key], [(c, ratings.get(o.key, {}).get(c)) for c in criteria])
                 for o in options],
        "chart": aid.chart_svg(options, fit),
        "sure_items": [(key, text, ((work.sure if work else {}) or {}).get(key))
                       for key, text in aid.SURE.items()],
        "sure_score": sure, "needs_support": sure is not None and sure <= 3,
        "own": list((work.own_criteria if work else []) or []) + [""] * 3,
        "roles": DecisionRole.choices, "pressures": Pressure.choices,
        "editable": case.patient_id == user.id and case.status in AID_STATES and bool(seen),
        "decision": decision,
        "decision_form": DecisionForm() if case.patient_id == user.id
        and case.status == Status.OPINION_DELIVERED else None,
        "scale": list(aid.SCALE),
    }


def _data_from(post) -> dict:
    """The form's fields as the action takes them (each section posts all its fields)."""
    data: dict = {}
    for name in ("decide_by", "role", "support", "pressure", "next_steps"):
        if name in post:
            data[name] = post.get(name)
    if "own1" in post:
        data["own_criteria"] = [post.get(key, "") for key in aid.OWN]
    weights = {key[7:]: value for key, value in post.items() if key.startswith("weight_")}
    if weights:
        data["weights"] = weights
    ratings: dict[str, dict] = {}
    for key, value in post.items():
        if key.startswith("rate_") and "__" in key:
            option, criterion = key[5:].split("__", 1)
            ratings.setdefault(option, {})[criterion] = value
    if ratings:
        data["ratings"] = ratings
    if post.get("section") == "support":
        data["sure"] = {item: post.get(f"sure_{item}") == "yes" for item in aid.SURE
                        if post.get(f"sure_{item}") in ("yes", "no")}
    return data
