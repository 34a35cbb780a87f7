"""Apply the rules of `rules.py` to one person's answers.

`assess(data)` checks the input (raising InvalidInput that names every bad value) and returns
the answer as a plain dict, the same for the page and the API.
"""

import re

from django.conf import settings

from consilium.errors import InvalidInput
from consilium.forms import object_id
from consilium.terminology.models import Icd10Code, NuccTaxonomy
from consilium.terminology.specialties import specialties_for_codes

from . import rules
from .models import InsurancePlan
from .procedures import recognise

COUNTRY = re.compile(r"^[A-Z]{2}$")


def _in_ranges(category: str, ranges) -> list[str]:
    return [label for start, end, label in ranges if start <= category <= end]


def clean(data: dict) -> rules.Facts:
    """Turn raw input into Facts, or raise InvalidInput naming every bad value."""
    errors: dict[str, str] = {}
    facts = rules.Facts()

    codes = data.get("diagnosis_codes") or []
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,;]+", codes) if c]
    wanted = [str(c).strip().upper() for c in codes]
    known = set(Icd10Code.objects.filter(code__in=wanted)
                .exclude(kind__in=["chapter", "block"]).values_list("code", flat=True))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        errors["diagnosis_codes"] = "Not an ICD-10-CM code: " + ", ".join(unknown[:10])
    facts.codes = list(dict.fromkeys(c for c in wanted if c in known))

    text = (data.get("diagnosis_text") or "").strip()
    procedure = (data.get("procedure") or "").strip()
    for name, value in (("diagnosis_text", text), ("procedure", procedure)):
        if len(value) > 300:
            errors[name] = "Keep this under 300 characters."

    treatment = data.get("proposed_treatment") or ""
    if treatment and treatment not in rules.TREATMENTS:
        errors["proposed_treatment"] = (
            f"Unknown treatment {treatment!r}; use one of: " + ", ".join(rules.TREATMENTS)
        )
    facts.treatment = treatment

    # Flags come as {"flag": true, ...} or as a list of the names that are true.
    situation = data.get("situation") or {}
    if isinstance(situation, dict):
        names, flags = set(situation), {k for k, v in situation.items() if v}
    else:
        names = flags = {str(k) for k in situation}
    unknown_flags = sorted(names - set(rules.SITUATIONS))
    if unknown_flags:
        errors["situation"] = "Unknown situation: " + ", ".join(unknown_flags)
    facts.situation = flags & set(rules.SITUATIONS)

    country = (data.get("country") or settings.DEFAULT_COUNTRY).strip().upper()
    if not COUNTRY.match(country):
        errors["country"] = f"Give the country as a two-letter ISO code, not {country!r}."
    facts.country = country

    plan_id = data.get("insurance_plan")
    if plan_id not in (None, ""):
        facts.plan = InsurancePlan.objects.filter(pk=object_id(plan_id) or 0).first()
        if facts.plan is None:
            errors["insurance_plan"] = f"Unknown insurance plan {plan_id!r}."

    if errors:
        raise InvalidInput(errors)

    categories = [c[:3] for c in facts.codes]
    facts.serious = list(dict.fromkeys(
        label for cat in categories for label in _in_ranges(cat, rules.SERIOUS)
    ))
    facts.kinds = {kind for cat in categories for kind in _in_ranges(cat, rules.KINDS_BY_CODE)}
    facts.procedures = recognise(procedure)
    facts.kinds |= {p.kind for p in facts.procedures if p.kind}
    if treatment in ("surgery", "invasive_procedure") or facts.procedures:
        facts.kinds.add("surgery")
    if facts.has("chronic_condition") or treatment == "long_term_medication":
        facts.kinds.add("chronic")
    if facts.has("rare_condition"):
        facts.kinds.add("rare")
    facts.knows_diagnosis = bool(facts.codes or text)
    return facts


def recommend(facts: rules.Facts, applied: list[rules.Rule]) -> str:
    if facts.has("time_critical"):
        return "seek_care_now"
    if facts.required_by_plan:
        return "strongly_recommended"
    if not (facts.knows_diagnosis or facts.treatment or facts.situation or facts.procedures):
        return "optional"
    score = sum(rule.weight for rule in applied)
    return next((name for limit, name in rules.THRESHOLDS if score >= limit), "not_needed")


def assess(data: dict) -> dict:
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
