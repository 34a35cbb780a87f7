"""Apply the rules of `rules.py` to one person's answers.

`assess(data)` checks the input against `schemas.AssessmentIn` (raising InvalidInput that
names every bad value) and returns the answer as a plain dict, the same for the page and the
API.
"""

from consilium.terminology.models import NuccTaxonomy
from consilium.terminology.specialties import specialties_for_codes

from . import redflags, rules
from .models import InsurancePlan
from .procedures import recognise
from .schemas import AssessmentIn
from .statutory import statutory


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
    facts.statutory = statutory(facts.procedures, facts.codes, answers.diagnosis_text,
                                answers.procedure, facts.treatment)
    _read_red_flags(facts, [answers.diagnosis_text, answers.procedure])
    categories = [code[:3] for code in facts.codes]
    facts.serious = list(dict.fromkeys(
        label for cat in categories for label in _in_ranges(cat, rules.SERIOUS)
    ))
    facts.kinds = _kinds(facts, categories)
    return facts


def _read_red_flags(facts: rules.Facts, texts: list[str]) -> None:
    """Emergencies in the free text (consilium/triage/redflags.py), and acute codes."""
    for reading in map(redflags.read, texts):
        facts.red_flags += [f for f in reading.alarms
                            if f.key not in {seen.key for seen in facts.red_flags}]
        facts.ask_if_now += [f for f in reading.ask_if_now
                             if f.key not in {seen.key for seen in facts.ask_if_now}]
    alarmed = {f.key for f in facts.red_flags}
    facts.ask_if_now = [f for f in facts.ask_if_now if f.key not in alarmed]
    facts.acute_codes = redflags.acute_codes(facts.codes)


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
    if facts.has("time_critical") or facts.red_flags:
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
    emergency = _emergency(facts) if recommendation == "seek_care_now" else None
    # Under an emergency nothing argues about a second opinion: no reasons, cautions,
    # insurance or legal rights that could read as "it can wait".
    weighed = [] if emergency else [r for r in applied if r.weight]
    result = {
        "recommendation": recommendation,
        "message": emergency["message"] if emergency else "",
        "emergency": emergency,
        "confirm_now": None if emergency else _confirm_now(facts),
        "reasons": [
            {"criterion": r.criterion, "weight": r.weight, "text": r.reason(facts)}
            for r in weighed if r.weight > 0
        ],
        "against": [
            {"criterion": r.criterion, "weight": r.weight, "text": r.reason(facts)}
            for r in weighed if r.weight < 0
        ],
        "cautions": [] if emergency else [
            {"key": c.key, "text": c.text} for c in rules.CAUTIONS if c.applies(facts)],
        "specialties": _specialties(facts),
        "records_checklist": [
            {"key": item.key, "label": item.label}
            for item in rules.CHECKLIST if not item.kinds or item.kinds & facts.kinds
        ],
        "questions": [q.text for q in rules.QUESTIONS if not q.kinds or q.kinds & facts.kinds],
        "coverage": None if emergency else _coverage(facts),
        "statutory_right": None if emergency else _statutory_right(facts),
        "procedures": [{"key": p.key, "label": p.label} for p in facts.procedures],
    }
    return result


def _line(line: redflags.Line) -> dict:
    return {"name": line.name, "number": line.number, "call": line.call}


def _emergency(facts: rules.Facts) -> dict:
    """Whom to call now, in the person's country, and why."""
    number = redflags.emergency_number(facts.country)
    call = redflags.Line("Emergency", number).call
    crisis = any(f.crisis for f in facts.red_flags)
    line = redflags.crisis_line(facts.country) if crisis else None
    parts = []
    signs = [f.title for f in facts.red_flags if not f.crisis]
    if signs:
        parts.append(rules.SIGN_OF.format(titles=_joined(list(dict.fromkeys(signs)))))
    if crisis:
        parts.append(rules.CRISIS.format(line=line.name, line_number=line.number, number=number)
                     if line else rules.CRISIS_NO_LINE.format(number=number))
    if not crisis or signs:
        parts.append(rules.SEEK_CARE_NOW.format(number=number))
    return {
        "reason": "red_flag" if facts.red_flags else "urgent",
        "flags": [{"key": f.key, "title": f.title, "words": f.words} for f in facts.red_flags],
        "number": number,
        "call": call,
        "crisis": crisis,
        "crisis_line": _line(line) if line else None,
        "message": " ".join(parts),
    }


def _confirm_now(facts: rules.Facts) -> dict | None:
    """An acute code, or an acute condition named without a time: ask, do not alarm."""
    if facts.has("time_critical") or not (facts.acute_codes or facts.ask_if_now):
        return None
    number = redflags.emergency_number(facts.country)
    names = list(dict.fromkeys([name for _, name in facts.acute_codes]
                               + [f.title for f in facts.ask_if_now]))
    return {
        "question": rules.IS_IT_NOW,
        "text": rules.IS_IT_NOW_TEXT.format(names=_joined(names, "and"), number=number),
        "codes": [code for code, _ in facts.acute_codes],
        "words": [f.words for f in facts.ask_if_now],
        "number": number,
        "call": redflags.Line("Emergency", number).call,
    }


def _joined(names: list[str], word: str = "or") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


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
        "requirement": (rules.PLAN_REQUIRES.format(procedure=rules.in_sentence(required[0].label))
                        if required else None),
        "notes": plan.notes,
    }


def _statutory_right(facts: rules.Facts) -> dict | None:
    if facts.country != "DE":
        return None
    if not facts.checked_procedures:
        return None
    first = facts.checked_procedures[0]
    sentence = rules.RIGHT_BY_LAW.format(procedure=rules.in_sentence(first.label),
                                         legal_basis=rules.GERMAN_RIGHT["legal_basis"])
    return {**rules.GERMAN_RIGHT, "procedure": first.label, "procedure_key": first.key,
            "sentence": sentence}


def checklist_for(codes: list[str], treatment: str) -> list[dict]:
    """The records checklist for a case that did not come from a self-assessment."""
    case_treatment = treatment if treatment in rules.TREATMENTS else ""
    return evaluate(clean({"diagnosis_codes": codes, "proposed_treatment": case_treatment})
                    )["records_checklist"]
