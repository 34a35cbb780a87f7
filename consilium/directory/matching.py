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
from django.db.models import Case as DbCase
from django.db.models import (
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower, Sqrt, Trim

from consilium.accounts.models import Role
from consilium.cases.models import Case
from consilium.consultations.models import Consultation
from consilium.errors import NotAllowed
from consilium.terminology.specialties import specialties_for_codes

from . import geo
from .models import (
    BoardCertification,
    Institution,
    PracticeLocation,
    Specialist,
    SpecialistTaxonomy,
)
from .search import locations_within, planar_sq

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
    """The hard rules and the score run in the database; only the few specialists who can
    still reach the top get their exact score (with distance) in Python."""
    weights = dict(settings.MATCH_WEIGHTS)
    fitting = specialties_for_codes(case.diagnosis_codes or [])
    codes = [t.code for t in fitting]
    considered = Specialist.objects.count()
    excluded = dict.fromkeys(RULES, 0)
    if not codes:
        excluded["specialty"] = considered
        return Matches([], considered, excluded, weights, [])
    fit = Specialist.objects.filter(id__in=SpecialistTaxonomy.objects.filter(
        code__in=codes).values("specialist_id")).annotate(
        open_cases=_open_cases(), system_key=Lower(Trim("hospital_system")),
        institution_key=Lower(Trim("institution")))
    checked = fit.annotate(failed_rule=_failed_rule(case))
    counts = dict(checked.order_by().values("failed_rule").annotate(n=Count("id"))
                  .values_list("failed_rule", "n"))
    excluded["specialty"] = considered - sum(counts.values())
    excluded.update({rule: n for rule, n in counts.items() if rule})
    passing = checked.filter(failed_rule="")
    point = _patient_point(case)
    if point:
        passing = passing.annotate(nearest=_nearest_sq(point))
    passing = (passing.annotate(base=_base_score(case, codes, weights))
               .order_by("-base", "name_key", "id"))
    proposals = _best(passing, case, {c: r for r, c in enumerate(codes)}, weights, limit)
    return Matches(proposals, considered, excluded, weights, [t.name for t in fitting])


# Candidates read per query, in order of their database score, and scored exactly per group.
READ, SCAN = 2000, 40


def _best(passing, case, order, weights, limit) -> list[Proposal]:
    """The top ``limit`` by exact score. The database score differs from it only by rounding
    and by the flat-earth distance, so scanning stops once no later candidate can catch up."""
    point = _patient_point(case)
    reach = 0.02 * weights.get("distance", 0) + 0.01
    best: list[Proposal] = []
    offset = 0
    while True:
        rows = list(passing.values_list("id", "base")[offset: offset + READ])
        for start in range(0, len(rows), SCAN):
            group = rows[start: start + SCAN]
            if len(best) >= limit:
                group = [(i, base) for i, base in group if base + reach >= best[-1].score]
                if not group:
                    return best
            loaded = _load([i for i, _ in group])
            best += [_score(loaded[i], case, order, _nearby(loaded[i], point, case), weights)
                     for i, _ in group]
            best.sort(key=lambda p: (-p.score, p.specialist.name_key, p.specialist.id))
            best = best[:limit]
        if len(rows) < READ:
            return best
        offset += READ


def _load(ids: list[int]) -> dict[int, Specialist]:
    return Specialist.objects.annotate(open_cases=_open_cases()).prefetch_related(
        Prefetch("taxonomies", queryset=SpecialistTaxonomy.objects.only(
            "specialist_id", "code", "primary")),
        Prefetch("certifications", queryset=BoardCertification.objects.all()),
        Prefetch("institutions", queryset=Institution.objects.all()),
        "locations",
    ).in_bulk(ids)


def _nearby(specialist, point, case) -> float | None:
    """Kilometres to the nearest practice, if within the patient's travel distance."""
    if point is None:
        return None
    distances = [geo.distance_km(point, (p.latitude, p.longitude))
                 for p in specialist.locations.all() if p.latitude is not None]
    nearest = min(distances, default=None)
    return nearest if nearest is not None and nearest <= case.travel_km else None


def _open_cases():
    """Consultations the specialist has on hand (offered or accepted)."""
    return Coalesce(Subquery(
        Consultation.objects.filter(specialist=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by().values("specialist").annotate(n=Count("id")).values("n")[:1]), 0)


def _failed_rule(case: Case):
    """The first hard rule a specialist fails, as an SQL expression ("" when none)."""
    today = date.today()
    checks = [("certification", ~Exists(BoardCertification.objects.filter(
        Q(expires__isnull=True) | Q(expires__gte=today), specialist=OuterRef("pk"),
        status=BoardCertification.Status.ACTIVE)))]
    avoid = sorted(systems_to_avoid(case))
    if avoid:
        links = Specialist.institutions.through.objects.filter(
            specialist=OuterRef("pk")).annotate(
            name=Lower(Trim("institution__name")),
            system=Lower(Trim("institution__hospital_system")))
        checks.append(("same_system", Q(system_key__in=avoid) | Q(institution_key__in=avoid)
                       | Exists(links.filter(Q(name__in=avoid) | Q(system__in=avoid)))))
    offered = list(Consultation.objects.filter(case=case).values_list("specialist_id",
                                                                      flat=True))
    if offered:
        checks.append(("already_offered", Q(id__in=offered)))
    plan = case.insurance_plan
    if plan and plan.requires_network:
        checks.append(("network", ~Q(insurance_networks__icontains=f'"{plan.network}"')))
    checks.append(("availability", Q(accepting_cases=False) | Q(open_cases__gte=F("capacity"))))
    point = _patient_point(case)
    if point:
        near = locations_within(point, case.travel_km).filter(specialist=OuterRef("pk"))
        checks.append(("distance", Q(telemedicine=False) & ~Exists(near)))
    if plan and plan.statutory and plan.country == "DE":
        since = date.today().year - 5
        qualified = (~Q(de_specialist_title="") & ~Q(de_approved_by="")
                     & (Q(practising_since__lte=since) | Q(practising_since__isnull=True,
                                                           graduation_year__lte=since)))
        checks.append(("de_qualification", ~qualified))
    return DbCase(*[When(condition, then=Value(rule)) for rule, condition in checks],
                  default=Value(""), output_field=CharField())


def _nearest_sq(point: tuple[float, float]):
    """The flat-earth squared distance (degrees) to the specialist's nearest practice."""
    return Subquery(
        PracticeLocation.objects.filter(specialist=OuterRef("pk"), latitude__isnull=False)
        .annotate(planar=planar_sq(point)).order_by("planar").values("planar")[:1],
        output_field=FloatField())


def _distance_score(case: Case):
    """1 at the patient's door, falling to 0 at their travel distance; 0 beyond it or when
    their place is unknown. Reads the ``nearest`` annotation (_nearest_sq)."""
    if _patient_point(case) is None:
        return Value(0.0)
    reach = case.travel_km / geo.KM_PER_DEGREE
    return DbCase(
        When(Q(nearest__lte=reach * reach), then=ExpressionWrapper(
            1.0 - Sqrt(F("nearest")) / reach, output_field=FloatField())),
        default=Value(0.0), output_field=FloatField())


def _base_score(case: Case, codes: list[str], weights: dict[str, float]):
    """Every weighted component but the distance, in SQL (the same values as _score)."""
    def component(condition, weight):
        return DbCase(When(condition, then=Value(float(weight))), default=Value(0.0),
                      output_field=FloatField())

    first_fit = Exists(SpecialistTaxonomy.objects.filter(specialist=OuterRef("pk"),
                                                         code=codes[0]))
    links = Specialist.institutions.through.objects.filter(specialist=OuterRef("pk"))
    categories = {code.upper()[:3] for code in case.diagnosis_codes or []}
    focus = Q(pk__in=[])
    for category in categories:
        focus |= Q(focus_categories__contains=f",{category},")
    language = case.patient_language
    turnaround = DbCase(
        When(turnaround_days__lte=3, then=Value(1.0)),
        When(turnaround_days__gte=15, then=Value(0.0)),
        default=ExpressionWrapper((15.0 - F("turnaround_days")) / 12.0,
                                  output_field=FloatField()), output_field=FloatField())
    load = ExpressionWrapper(1.0 - F("open_cases") * 1.0 / F("capacity"),
                             output_field=FloatField())
    return ExpressionWrapper(
        component(first_fit, weights["specialty_fit"])
        + component(~first_fit, 0.6 * weights["specialty_fit"])
        + component(focus, weights["condition_focus"])
        + component(Exists(links.filter(institution__academic=True)), 0.5 * weights["centre"])
        + component(Exists(links.exclude(institution__centre_type="")),
                    0.5 * weights["centre"])
        + turnaround * weights["turnaround"] + load * weights["load"]
        + _distance_score(case) * weights["distance"]
        + (component(Q(languages__icontains=f'"{language}"'), weights["language"])
           if language else Value(0.0)),
        output_field=FloatField())


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
        "distance": (1 - nearby / max(case.travel_km, 1)) if nearby is not None else 0.0,
        "language": 1.0 if case.patient_language
        and case.patient_language in specialist.languages else 0.0,
    }
    components = {k: round(v, 3) for k, v in components.items()}
    score = round(sum(weights.get(k, 0) * v for k, v in components.items()), 3)
    return Proposal(specialist, score, components,
                    _reasons(specialist, case, components, nearby, best),
                    round(nearby, 1) if nearby is not None else None)


def _in_focus(codes: list[str], specialist: Specialist) -> bool:
    """A diagnosis falls in a category the specialist focuses on (as the database checks)."""
    return any(f",{code.upper()[:3]}," in specialist.focus_categories for code in codes)


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
    if nearby is not None:
        reasons.append(f"{nearby:.0f} km away")
    if specialist.telemedicine:
        reasons.append("Offers video visits")
    if components["language"]:
        reasons.append(f"Speaks your language ({case.patient_language})")
    reasons.append(f"Usually reports in {specialist.turnaround_days} days")
    open_now = specialist.open_cases
    reasons.append(f"{open_now} of {specialist.capacity} consultation places in use")
    return reasons
