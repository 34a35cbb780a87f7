from datetime import date

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.cases.actions import add_event, move_case
from consilium.cases.models import Case, EventKind, Status
from consilium.errors import InvalidInput
from consilium.submissions.once import Once

from . import aid
from .access import options_of_case
from .models import Choice, Decision, DecisionAid, DecisionRole, EarlierDecision, Pressure
from .policy import decision_of, policy


def do_record_decision(case: Case, choice: str, explanation: str, *, acting_user,
                       key: str = "") -> Decision:
    """Record what the patient decided after reading both opinions, or change what they
    decided: the patient may change it until the case is closed. A change keeps the choice
    it replaces (``EarlierDecision``) and is an event; the same choice and words again change
    nothing. ``key``: the request's one-time key (a second request with it returns the
    first's decision). ``decision.changes`` tells a first decision (0) from a change."""
    once = Once(acting_user, key, Decision)
    if (done := once.done()) is not None:
        return done
    errors = {}
    if choice not in Choice.values:
        errors["choice"] = "Choose what you decided."
    explanation = (explanation or "").strip()
    if len(explanation) > 5000:
        errors["explanation"] = "Keep this under 5000 characters."
    with transaction.atomic():
        current = Case.objects.select_for_update().get(id=case.id)
        decision = decision_of(current)
        policy.check(acting_user, current, "decide" if decision is None else "change_decision")
        if errors:
            raise InvalidInput(errors)
        if (done := once.earlier()) is not None:
            return done
        if decision is None:
            decision = _first_decision(current, choice, explanation, acting_user)
        elif (decision.choice, decision.explanation) != (choice, explanation):
            decision = _change_decision(current, decision, choice, explanation, acting_user)
        once.made(decision)
    case.status = current.status
    return decision


def _first_decision(case: Case, choice: str, explanation: str, user) -> Decision:
    move_case(case, Status.DECIDED, user)
    decision = Decision.objects.create(case=case, choice=choice, explanation=explanation,
                                       decided_by=user)
    add_event(case, EventKind.DECIDED, user)
    record(user, "decision.create", decision, case_id=case.id)
    return decision


def _change_decision(case: Case, decision: Decision, choice: str, explanation: str,
                     user) -> Decision:
    EarlierDecision.objects.create(case=case, choice=decision.choice,
                                   explanation=decision.explanation,
                                   decided_at=decision.decided_at,
                                   decided_by_id=decision.decided_by_id)
    decision.choice, decision.explanation = choice, explanation
    decision.decided_at, decision.decided_by = timezone.now(), user
    decision.changes += 1
    decision.save()
    add_event(case, EventKind.DECISION_CHANGED, user)
    record(user, "decision.change", decision, case_id=case.id)
    return decision


TEXT_LIMIT = 5000


def do_save_decision_aid(case: Case, data: dict, *, acting_user) -> DecisionAid:
    """Save the patient's work on the decision aid (any part of it, as they go). ``data``
    keys: decide_by (ISO date or ""), role, own_criteria (up to three names), weights
    ({criterion: 0..10}), ratings ({option: {criterion: 0..10}}), support, pressure, sure
    ({item: bool}), next_steps. Unknown options and criteria are refused."""
    policy.check(acting_user, case, "save_aid")

    options = {o.key for o in options_of_case(acting_user, case)}
    errors: dict[str, str] = {}
    fields = _clean_aid(data, options, errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        work, _ = DecisionAid.objects.select_for_update().get_or_create(case=case)
        for name, value in fields.items():
            setattr(work, name, value)
        work.updated_at = timezone.now()
        work.save()
        record(acting_user, "decision_aid.save", work, case_id=case.id)
    return work


def _clean_aid(data: dict, options: set[str], errors: dict) -> dict:
    fields: dict = {}
    if "decide_by" in data:
        value = data["decide_by"]
        try:
            fields["decide_by"] = date.fromisoformat(str(value)) if value else None
        except ValueError:
            errors["decide_by"] = "Give a date, such as 2026-12-31."
    for name, choices in (("role", DecisionRole), ("pressure", Pressure)):
        if name in data:
            if (data[name] or "") not in ("", *choices.values):
                errors[name] = "Choose one of the answers."
            fields[name] = data[name] or ""
    for name in ("support", "next_steps"):
        if name in data:
            fields[name] = (data[name] or "").strip()
            if len(fields[name]) > TEXT_LIMIT:
                errors[name] = f"Keep this under {TEXT_LIMIT:,} characters."
    if "own_criteria" in data:
        own = [str(n or "").strip() for n in data["own_criteria"]][:len(aid.OWN)]
        if any(len(n) > 80 for n in own):
            errors["own_criteria"] = "Keep each of your own points under 80 characters."
        fields["own_criteria"] = own
    criteria = {*aid.CRITERIA, *aid.OWN}
    if "weights" in data:
        fields["weights"] = _scale_map(data["weights"], criteria, "weights", errors)
    if "ratings" in data:
        ratings = {}
        for option, rated in (data["ratings"] or {}).items():
            if option not in options:
                errors["ratings"] = "A rating names an option this case does not have."
                continue
            ratings[option] = _scale_map(rated, criteria, "ratings", errors)
        fields["ratings"] = ratings
    if "sure" in data:
        answers = data["sure"] or {}
        if set(answers) - set(aid.SURE):
            errors["sure"] = "Answer the four questions of the SURE test."
        fields["sure"] = {item: bool(answers[item]) for item in aid.SURE if item in answers}
    return fields


def _scale_map(values, allowed: set[str], field: str, errors: dict) -> dict[str, int]:
    """{key: whole number 0..10}, leaving out empty answers."""
    cleaned = {}
    for key, value in (values or {}).items():
        if value in (None, ""):
            continue
        if key not in allowed:
            errors[field] = f"Unknown point: {key}."
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if number not in aid.SCALE:
            errors[field] = "Use whole numbers from 0 to 10."
            continue
        cleaned[key] = number
    return cleaned
