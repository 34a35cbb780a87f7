"""Proposing specialists for a case: hard rules first, then an explained, weighted score.

Hard rules (a specialist failing one is left out, and counted under that rule):
1. a specialty that fits the case's condition (the condition-to-specialty table);
2. a current board certification;
3. never the first opinion's hospital system or facility, nor the system of anyone who has
   already given an opinion on the case (for a third opinion), nor anyone already offered it;
4. inside the patient's plan network when the plan requires it;
5. accepting cases and under capacity;
6. within the patient's travel distance, unless they offer video visits;
7. for the German statutory procedure (§27b SGB V), only approved second-opinion doctors,
   and never at the facility that would operate.

Ranking: the weights (settings.MATCH_WEIGHTS, shown on the page) times components between 0
and 1; ties go by name, then id, so the order is always the same.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Prefetch, Q

from consilium.accounts.models import Role
from consilium.cases.models import Case
from consilium.consultations.models import Consultation
from consilium.errors import NotAllowed
from consilium.terminology.specialties import specialties_for_codes

from . import geo
from .models import BoardCertification, Institution, Specialist, SpecialistTaxonomy
from .search import within

OPEN_STATUSES = ("offered", "accepted")
RULES = {
    "specialty": "no specialty that fits the condition",
    "certification": "no current board certification on file",
    "same_system": "same hospital system or facility as an earlier opinion",
    "already_offered": "already offered this case",
    "network": "outside the patient's plan network",
    "availability": "not accepting cases or at capacity",
    "distance": "too far away and no video visits",
    "de_qualification": "not approved for the statutory second-opinion procedure",
}
COMPONENT_NAMES = {
    "specialty_fit": "Specialty fit", "condition_focus": "Condition of focus",
    "centre": "Academic or specialty centre", "turnaround": "Turnaround",
    "load": "Current load", "distance": "Distance", "language": "Language",
}


@dataclass
class Proposal:
    specialist: Specialist
    score: float
    components: dict[str, float]
    reasons: list[str]
    distance_km: float | None


@dataclass
class Matches:
    proposals: list[Proposal]
    considered: int
    excluded: dict[str, int] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    specialties: list[str] = field(default_factory=list)  # NUCC names that fit

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def excluded_sentences(self) -> list[str]:
        return [f"{count} {RULES[rule]}" for rule, count in self.excluded.items() if count]


def may_see_matches(case: Case, user) -> None:
    """Coordinators see the proposals; the patient too where the program lets patients
    choose (settings.PATIENTS_CHOOSE_SPECIALIST)."""
    if user.role == Role.COORDINATOR:
        return
    if settings.PATIENTS_CHOOSE_SPECIALIST and case.patient_id == user.id:
        return
    raise NotAllowed("Only the program's coordinators see the proposed specialists.")


def match_case(case: Case, *, limit: int = 10) -> Matches:
    weights = dict(settings.MATCH_WEIGHTS)
    fitting = specialties_for_codes(case.diagnosis_codes or [])
    order = {t.code: rank for rank, t in enumerate(fitting)}
    considered = Specialist.objects.count()
    excluded = dict.fromkeys(RULES, 0)
    candidates = _with_fitting_specialty(fitting)
    excluded["specialty"] = considered - len(candidates)
    today = date.today()
    avoid = systems_to_avoid(case)
    offered = set(Consultation.objects.filter(case=case).values_list("specialist_id",
                                                                      flat=True))
    plan = case.insurance_plan
    point = _patient_point(case)
    nearby = within(point, case.travel_km) if point else {}
    statutory_de = bool(plan and plan.statutory and plan.country == "DE")
    proposals = []
    for specialist in candidates:
        rule = _first_failed_rule(specialist, today, avoid, offered, plan, point, nearby,
                                  statutory_de, case)
        if rule:
            excluded[rule] += 1
            continue
        proposals.append(_score(specialist, case, order, nearby.get(specialist.id), weights))
    proposals.sort(key=lambda p: (-p.score, p.specialist.name_key, p.specialist.id))
    return Matches(proposals[:limit], considered, excluded, weights,
                   [t.name for t in fitting])


def _with_fitting_specialty(fitting) -> list[Specialist]:
    codes = [t.code for t in fitting]
    if not codes:
        return []
    ids = SpecialistTaxonomy.objects.filter(code__in=codes).values("specialist_id")
    return list(
        Specialist.objects.filter(id__in=ids)
        .annotate(open_cases=Count("consultations", filter=Q(
            consultations__status__in=OPEN_STATUSES)))
        .prefetch_related(
            Prefetch("taxonomies", queryset=SpecialistTaxonomy.objects.only(
                "specialist_id", "code", "primary")),
            Prefetch("certifications", queryset=BoardCertification.objects.all()),
            Prefetch("institutions", queryset=Institution.objects.all()),
        )
    )


def _first_failed_rule(specialist, today, avoid, offered, plan, point, nearby, statutory_de,
                       case) -> str | None:
    if not any(c.is_current(today) for c in specialist.certifications.all()):
        return "certification"
    if avoid & systems_of(specialist):
        return "same_system"
    if specialist.id in offered:
        return "already_offered"
    if plan and plan.requires_network and plan.network not in specialist.insurance_networks:
        return "network"
    if not specialist.accepting_cases or specialist.open_cases >= specialist.capacity:
        return "availability"
    if point and specialist.id not in nearby and not specialist.telemedicine:
        return "distance"
    if statutory_de and not specialist.de_qualified:
        return "de_qualification"
    return None


def systems_to_avoid(case: Case) -> set[str]:
    """The first opinion's system and facility, and those of specialists who have already
    given an opinion on this case (a third opinion must differ from both)."""
    names = {case.hospital_system, case.institution}
    earlier = Specialist.objects.filter(consultations__case=case,
                                        consultations__status="completed")
    for specialist in earlier.prefetch_related("institutions"):
        names |= systems_of(specialist)
    return {_key(n) for n in names if n and n.strip()}


def systems_of(specialist: Specialist) -> set[str]:
    names = {specialist.hospital_system, specialist.institution}
    for institution in specialist.institutions.all():
        names |= {institution.name, institution.hospital_system}
    return {_key(n) for n in names if n and n.strip()}


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _patient_point(case: Case) -> tuple[float, float] | None:
    try:
        return geo.parse_place(case.patient_location) if case.patient_location else None
    except geo.UnknownPlace:
        return None


def _score(specialist, case, order, nearby, weights) -> Proposal:
    codes = [t.code for t in specialist.taxonomies.all()]
    best = min((order[c] for c in codes if c in order), default=len(order))
    components = {
        "specialty_fit": 1.0 if best == 0 else 0.6,
        "condition_focus": 1.0 if _in_focus(case.diagnosis_codes, specialist) else 0.0,
        "centre": _centre(specialist),
        "turnaround": max(0.0, min(1.0, (15 - specialist.turnaround_days) / 12)),
        "load": 1 - specialist.open_cases / max(specialist.capacity, 1),
        "distance": (1 - nearby[0] / max(case.travel_km, 1)) if nearby else 0.0,
        "language": 1.0 if case.patient_language
        and case.patient_language in specialist.languages else 0.0,
    }
    components = {k: round(v, 3) for k, v in components.items()}
    score = round(sum(weights.get(k, 0) * v for k, v in components.items()), 3)
    return Proposal(specialist, score, components,
                    _reasons(specialist, case, components, nearby, best),
                    round(nearby[0], 1) if nearby else None)


def _in_focus(codes: list[str], specialist: Specialist) -> bool:
    for focus in specialist.conditions_of_focus:
        start, _, end = focus.upper().partition("-")
        end = end or start
        for code in codes:
            code = code.upper()
            if start <= code[:len(start)] and code[:len(end)] <= end:
                return True
    return False


def _centre(specialist: Specialist) -> float:
    institutions = list(specialist.institutions.all())
    academic = any(i.academic for i in institutions)
    centre = any(i.centre_type for i in institutions)
    return 0.5 * academic + 0.5 * centre


def _reasons(specialist, case, components, nearby, best) -> list[str]:
    certified = next((c for c in specialist.certifications.all()
                      if c.is_current(date.today())), None)
    reasons = [f"Board-certified in {certified.specialty}" if certified else "Certified"]
    reasons.append(f"{specialist.specialty}: "
                   + ("the first specialty for this condition" if best == 0
                      else "a specialty that treats this condition"))
    if components["condition_focus"]:
        reasons.append(f"{case.diagnosis_text} is a condition of focus")
    institutions = list(specialist.institutions.all())
    for institution in institutions:
        if institution.centre_type:
            reasons.append(f"{institution.get_centre_type_display()} ({institution.name})")
            break
    if any(i.academic for i in institutions):
        reasons.append("Academic or teaching hospital")
    reasons.append("Different hospital system from your first doctor")
    if nearby:
        reasons.append(f"{nearby[0]:.0f} km away")
    if specialist.telemedicine:
        reasons.append("Offers video visits")
    if components["language"]:
        reasons.append(f"Speaks your language ({case.patient_language})")
    reasons.append(f"Usually reports in {specialist.turnaround_days} days")
    open_now = specialist.open_cases
    reasons.append(f"{open_now} of {specialist.capacity} consultation places in use")
    return reasons
