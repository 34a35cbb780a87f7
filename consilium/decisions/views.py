from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.audit.trail import record
from consilium.cases.access import access_case_by_id, is_case_owner
from consilium.comparison.reading import comparison_for_case
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.submissions.once import key_of

from . import aid
from .access import aid_of_case
from .actions import do_record_decision, do_save_decision_aid
from .forms import DecisionForm
from .models import Choice, DecisionAid, DecisionRole, Pressure
from .policy import decision_of, policy
from .schemas import DecisionIn


@login_required
def record_decision(request, case_id):
    """Record the decision, or change it until the case is closed: the form, then a page
    that says what will be recorded and that it can be changed, then the action."""
    case = access_case_by_id(request.user, case_id)
    allowed = policy.allowed(request.user, case)
    action = "change_decision" if decision_of(case) is not None else "decide"
    if action not in allowed:
        policy.check(request.user, case, action)  # raises the refusal the page shows
    decision = decision_of(case)
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=(
        {"choice": decision.choice, "explanation": decision.explanation} if decision else None))
    status = 200
    if request.method == "POST":
        if form.is_valid() and request.POST.get("confirmed"):
            try:
                do_record_decision(case, form.cleaned_data["choice"],
                                   form.cleaned_data["explanation"], acting_user=request.user,
                                   key=key_of(request))
            except InvalidInput as error:
                add_action_errors(form, error)
            else:
                done = "changed" if decision else "recorded"
                messages.success(request, f"Your decision is {done} and shared with your "
                                          "care team. You can change it until the case is "
                                          "closed.")
                return redirect("case_detail", case_id=case.id)
        if form.is_valid():
            try:  # the confirmation repeats only what the action would record
                DecisionIn.read(form.cleaned_data)
            except InvalidInput as error:
                add_action_errors(form, error)
        if form.is_valid():
            return render(request, "decisions/confirm.html", {
                "case": case, "form": form, "decision": decision,
                "choice_label": Choice(form.cleaned_data["choice"]).label})
        status = form_status(form)
    return render(request, "decisions/form.html", {
        "case": case, "form": form, "decision": decision, "allowed": allowed,
        "earlier": list(case.earlier_decisions.all())}, status=status)


@login_required
def decision_aid(request, case_id):
    """The decision aid: the patient works through it; those who see the case read it."""
    case = access_case_by_id(request.user, case_id)
    errors: dict[str, str] = {}
    typed: dict = {}
    if request.method == "POST":
        data = _data_from(request.POST)
        try:
            do_save_decision_aid(case, data, acting_user=request.user)
        except InvalidInput as error:
            errors, typed = error.errors, data
        else:
            messages.success(request, "Saved. You can come back to this page at any time.")
            return redirect(f"{request.path}#{request.POST.get('section', 'weigh')}")
    context = _context(request.user, case, typed)
    context.update(_placed(errors, typed, context), errors=errors)
    at = context["field_errors"]
    context["weight_rows"] = [(key, label, value, at.get(f"weight_{key}"))
                              for key, label, value in context["weight_rows"]]
    context["rows"] = [(option, fit, [(c, value, at.get(f"rate_{option.key}__{c}"))
                                      for c, value in cells])
                       for option, fit, cells in context["rows"]]
    return render(request, "decisions/aid.html", context, status=422 if errors else 200)


OFF_SCALE = "Use a whole number from 0 to 10."
FIELD_IDS = {"decide_by": "decide_by", "role": "step1", "support": "support_text",
             "pressure": "support", "sure": "support", "next_steps": "next_steps",
             "own_criteria": "own1"}


def _on_scale(value) -> bool:
    text = str(value).strip()
    return not text or (text.isascii() and text.isdigit() and int(text) in aid.SCALE)


def _placed(errors: dict[str, str], typed: dict, context: dict) -> dict:
    """Where each refusal is shown: ``field_errors`` by the id of the field (a cell of the
    table for a rating or a weight), and ``error_list`` for the top of the page, each naming
    the field in words and linking to it."""
    at: dict[str, str] = {}
    top: list[tuple[str, str]] = []  # (field id or "", message)
    criteria, titles = context["criteria"], {o.key: o.title for o in context["options"]}
    for field, message in errors.items():
        if field == "weights" and message == "Use whole numbers from 0 to 10.":
            for key, value in typed.get("weights", {}).items():
                if not _on_scale(value):
                    at[f"weight_{key}"] = OFF_SCALE
                    top.append((f"weight_{key}", f"How much “{criteria.get(key, key)}” matters"
                                                 f" to you: {OFF_SCALE[0].lower()}{OFF_SCALE[1:]}"))
            continue
        if field.startswith("ratings.") and message == "Use whole numbers from 0 to 10.":
            option = field.split(".", 1)[1]
            for key, value in typed.get("ratings", {}).get(option, {}).items():
                if not _on_scale(value):
                    name = f"rate_{option}__{key}"
                    at[name] = OFF_SCALE
                    top.append((name, f"{titles.get(option, option)}, “{criteria.get(key, key)}”"
                                      f": {OFF_SCALE[0].lower()}{OFF_SCALE[1:]}"))
            continue
        place = FIELD_IDS.get(field.split(".")[0], "")
        if place in ("decide_by", "support_text", "next_steps", "own1"):
            at[place] = message
        top.append((place, message))
    return {"field_errors": at, "error_list": top}


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


def decision_context(user, case) -> dict:
    """What the case page shows of the decision: the current one and the choices it
    replaced, what the user may do (``decision_allowed``), and the form to record it."""
    allowed = policy.allowed(user, case)
    decision = decision_of(case)
    return {
        "decision": decision,
        "earlier_decisions": list(case.earlier_decisions.all()) if decision else [],
        "decision_allowed": allowed,
        "decision_form": DecisionForm() if "decide" in allowed else None,
    }


def _context(user, case, typed: dict | None = None) -> dict:
    """The page's context; ``typed``: what a refused post sent (as ``_data_from`` read it),
    shown in place of what is saved, so that nothing typed is lost."""
    typed = typed or {}
    seen = comparison_for_case(user, case)
    work = aid_of_case(user, case)
    options = aid.options_for(case, [s.opinion for s in seen.all] if seen else [])
    criteria = aid.criteria_of(work if "own_criteria" not in typed else
                               DecisionAid(own_criteria=typed["own_criteria"]))
    fit = aid.scores(work, options)
    ratings = typed.get("ratings", (work.ratings if work else {}) or {})
    weights = typed.get("weights", (work.weights if work else {}) or {})
    sure = aid.sure_score(work)
    saved = {name: getattr(work, name) if work else "" for name in (
        "role", "support", "pressure", "next_steps")}
    saved["decide_by"] = work.decide_by.isoformat() if work and work.decide_by else ""
    shown = {name: typed.get(name, value) for name, value in saved.items()}
    answers = typed.get("sure", (work.sure if work else {}) or {})
    return {
        "case": case, "seen": seen, "work": work, "options": options, "shown": shown,
        "criteria": criteria, "weights": weights,
        "weight_rows": [(key, label, weights.get(key)) for key, label in criteria.items()],
        "rows": [(o, fit[o.key], [(c, ratings.get(o.key, {}).get(c)) for c in criteria])
                 for o in options],
        "chart": aid.chart_svg(options, fit),
        "sure_items": [(key, text, answers.get(key)) for key, text in aid.SURE.items()],
        "sure_score": sure, "needs_support": sure is not None and sure <= 3,
        "own": list(typed.get("own_criteria", (work.own_criteria if work else []) or []))
        + [""] * 3,
        "roles": DecisionRole.choices, "pressures": Pressure.choices,
        "editable": "save_aid" in policy.allowed(user, case) and bool(seen),
        "viewer_is_patient": is_case_owner(user, case),  # the wording ("your work"); no right
        **decision_context(user, case),
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
