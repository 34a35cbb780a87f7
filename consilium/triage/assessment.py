"""Apply the rules of `rules.py` to one person's answers.

`assess(data)` checks the input against `schemas.AssessmentIn` (raising InvalidInput that
names every bad value) and returns the answer as a plain dict, the same for the page and the
API.
"""

from consilium.terminology.models import NuccTaxonomy
from consilium.terminology.specialties import specialties_for_codes

from . import rules
from .models import InsurancePlan
from .procedures import recognise
from .schemas import AssessmentIn


def _in_ranges(category: str, ranges) -> list[str]:
    return [label for start, end, label in ranges if start <= category <= end]


def clean(data: "dict | AssessmentIn") -> rules.Facts:
    """Turn the answers into Facts, or raise InvalidInput naming every bad value (the rules
    are the schema's, consilium/triage/schemas.py)."""
    answers = AssessmentIn.read(data)
    facts = rules.Facts(
        codes=answers.diagnosis_codes,
        treatment=answers.proposed_treatment or "",
        situation=set(answers.situation),
        country=answers.country,
        plan=_plan(answers.insurance_plan),
        procedures=recognise(answers.procedure),
        knows_diagnosis=bool(answers.diagnosis_codes or answers.diagnosis_text),
    )
    categories = [code[:3] for code in facts.codes]
    facts.serious = list(dict.fromkeys(
        label for cat in categories for label in _in_ranges(cat, rules.SERIOUS)
    ))
    facts.kinds = _kinds(facts, categories)
    return facts


def _plan(plan_id: int | None) -> InsurancePlan | None:
    return InsurancePlan.objects.filter(pk=plan_id).first() if plan_id else None


def _kinds(facts: rules.Facts, categories: list[str]) -> set[str]:
    """The kinds of case (surgery, chronic, rare, …) that decide the checklist and questions."""
    kinds = {kind for cat in categories for kind in _in_ranges(cat, rules.KINDS_BY_CODE)}
    kinds |= {p.kind for p in facts.procedures if p.kind}
    if facts.treatment in ("surgery", "invasive_procedure") or facts.procedures:
        kinds.add("surgery")
    if facts.has("chronic_condition") or facts.treatment == "long_term_medication":
        kinds.add("chronic")
    if facts.has("rare_condition"):
        kinds.add("rare")
    return kinds


def recommend(facts: rules.Facts, applied: list[rules.Rule]) -> str:
    if facts.has("time_critical"):
        return "seek_care_now"
    if facts.required_by_plan:
        return "strongly_recommended"
    if not (facts.knows_diagnosis or facts.treatment or facts.situation or facts.procedures):
        return "optional"
    score = sum(rule.weight for rule in applied)
    return next((name for limit, name in rules.THRESHOLDS if score >= limit), "not_needed")


def assess(data: "dict | AssessmentIn") -> dict:
    return evaluate(clean(data))


def evaluate(facts: rules.Facts) -> dict:
    applied = [rule for rule in rules.RULES if rule.applies(facts)]
    recommendation = recommend(facts, applied)
    result = {
        "recommendation": recommendation,
        "message": rules.SEEK_CARE_NOW if recommendation == "seek_care_now" else "",
        "reasons": [
            {"criterion": r.criterion, "weight": r.weight, "text": r.reason(facts)}
            for r in applied if r.weight > 0
        ],
        "against": [
            {"criterion": r.criterion, "weight": r.weight, "text": r.reason(facts)}
            for r in applied if r.weight < 0
        ],
        "cautions": [{"key": c.key, "text": c.text} for c in rules.CAUTIONS if c.applies(facts)],
        "specialties": _specialties(facts),
        "records_checklist": [
            {"key": item.key, "label": item.label}
            for item in rules.CHECKLIST if not item.kinds or item.kinds & facts.kinds
        ],
        "questions": [q.text for q in rules.QUESTIONS if not q.kinds or q.kinds & facts.kinds],
        "coverage": _coverage(facts),
        "statutory_right": _statutory_right(facts),
        "procedures": [{"key": p.key, "label": p.label} for p in facts.procedures],
    }
    return result


def _specialties(facts: rules.Facts) -> list[dict]:
    found = specialties_for_codes(facts.codes)
    codes = [s.code for s in found]
    extra = [c for p in facts.procedures for c in p.specialties if c not in codes]
    if extra:
        by_code = NuccTaxonomy.objects.in_bulk(extra)
        found += [by_code[c] for c in dict.fromkeys(extra) if c in by_code]
    return [{"code": s.code, "name": s.name} for s in found]


def _coverage(facts: rules.Facts) -> dict | None:
    plan = facts.plan
    if plan is None:
        return None
    required = facts.required_by_plan
    return {
        "plan_id": plan.pk,
        "plan": plan.name,
        "covered": plan.covers_second_opinion,
        "fee": f"{plan.fee:.2f}",
        "currency": plan.currency,
        "required_before_procedure": bool(required),
        "procedure": required[0].label if required else None,
        "notes": plan.notes,
    }


def _statutory_right(facts: rules.Facts) -> dict | None:
    if facts.country != "DE":
        return None
    if not facts.checked_procedures:
        return None
    first = facts.checked_procedures[0]
    return {**rules.GERMAN_RIGHT, "procedure": first.label, "procedure_key": first.key}


def checklist_for(codes: list[str], treatment: str) -> list[dict]:
    """The records checklist for a case that did not come from a self-assessment."""
    case_treatment = treatment if treatment in rules.TREATMENTS else ""
    return evaluate(clean({"diagnosis_codes": codes, "proposed_treatment": case_treatment})
                    )["records_checklist"]
