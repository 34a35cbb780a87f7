"""Proposing specialists for a case: hard rules first, then an explained, weighted score.

Hard rules, checked in this order (a specialist failing one is left out, and counted under
the first they fail):
1. a specialty that fits the case's condition (the condition-to-specialty table);
2. within the patient's travel distance, unless they offer video visits (checked early: most
   of a case's specialists are too far away, and matchsql counts them without checking the
   rest);
3. a current board certification;
4. never the first opinion's hospital system or facility, nor the system of anyone who has
   already given an opinion on the case (for a third opinion), nor anyone already offered it;
5. inside the patient's plan network when the plan requires it;
6. accepting cases and under capacity;
7. for the German statutory procedure (§27b SGB V), only approved second-opinion doctors,
   and never at the facility that would operate.

Ranking: the weights (settings.MATCH_WEIGHTS, shown on the page) times components between 0
and 1; ties go by name, then id, so the order is always the same.
"""

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import get_language_info

from consilium.cases.models import Case
from consilium.directory import geo, matchsql, systems
from consilium.directory.matchrows import directory_size
from consilium.directory.models import (
    BoardCertification,
    HospitalSystem,
    Institution,
    PracticeLocation,
    Specialist,
    SpecialistTaxonomy,
    SystemAlias,
    SystemName,
)
from consilium.terminology.specialties import specialties_for_codes

from .models import Consultation

OPEN_STATUSES = ("offered", "accepted")
RULES = {  # in the order they are checked (matchsql.RULES), which the page shows
    "specialty": "no specialty that fits the condition",
    "distance": "too far away and no video visits",
    "certification": "no current board certification on file",
    "same_system": "same hospital system or facility as an earlier opinion",
    "already_offered": "already offered this case",
    "network": "outside the patient's plan network",
    "availability": "not accepting cases or at capacity",
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
    # The keys of names taken for the first (or an earlier) opinion's system: the case's
    # own and those alike (systems.alike), shown to the coordinator.
    same_system: list[str] = field(default_factory=list)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def excluded_sentences(self) -> list[str]:
        return [f"{count} {RULES[rule]}" for rule, count in self.excluded.items() if count]


def match_case(case: Case, *, limit: int = 10) -> Matches:
    """The hard rules run in the database over the case's MatchRows (one narrow row per
    specialist and specialty), and so does the score, but for two things it cannot know
    from a row: the current load, and the nearest of several practices. The rows are read
    in order of that score, which can only overestimate, and corrected until no later row
    can reach the top."""
    weights = dict(settings.MATCH_WEIGHTS)
    fitting = specialties_for_codes(case.diagnosis_codes or [])
    codes = [t.code for t in fitting]
    considered = directory_size()
    excluded = dict.fromkeys(RULES, 0)
    if not codes:
        excluded["specialty"] = considered
        return Matches([], considered, excluded, weights, [])
    on_hand = _on_hand()
    rules = _rules(case, codes, on_hand)
    categories = sorted({code.upper()[:3] for code in case.diagnosis_codes or []})
    passing, *failing, too_far = _fetch(matchsql.counts_query(rules))[0]
    failing[matchsql.RULES.index("distance")] += too_far
    excluded.update(zip(matchsql.RULES, failing, strict=True))
    excluded["specialty"] = considered - passing - sum(failing)
    ranked = matchsql.ranked_query(rules, categories, (case.patient_language or "").casefold(),
                                   weights)
    top = _top(ranked, case, on_hand, weights, limit)
    loaded = _load([candidate.specialist_id for candidate in top], on_hand)
    order = {c: r for r, c in enumerate(codes)}
    proposals = [_score(loaded[c.specialist_id], case, order[c.code], c.nearby_km, weights)
                 for c in top]
    proposals.sort(key=lambda p: (-p.score, p.specialist.name_key, p.specialist.id))
    return Matches(proposals, considered, excluded, weights, [t.name for t in fitting],
                   rules.avoid)


READ = 200  # rows per query, in order of their bound (the top is usually in the first)


def _rules(case: Case, codes: list[str], on_hand) -> matchsql.Rules:
    plan = case.insurance_plan
    point = _patient_point(case)
    return matchsql.Rules(
        codes=codes, avoid=sorted(systems_to_avoid(case)),
        offered=list(Consultation.objects.filter(case=case).values_list("specialist_id",
                                                                        flat=True)),
        full=[i for i, (open_now, capacity) in on_hand.items() if open_now >= capacity],
        network=plan.network.replace("|", " ") if plan and plan.requires_network else None,
        point=point, travel_km=case.travel_km,
        de_statutory=bool(plan and plan.statutory and plan.country == "DE"))


def _fetch(query: matchsql.Sql, *more) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query.text, [*query.params, *more])
        return cursor.fetchall()


@dataclass(order=True)
class Candidate:
    """A specialist passing every rule, as the ranked rows give them: ordered best first."""

    rank: float  # minus the score, corrected
    name_key: str
    specialist_id: int
    code: str = field(compare=False)  # their first fitting specialty
    nearby_km: float | None = field(compare=False)  # nearest practice, if within reach


def _top(ranked: matchsql.Sql, case, on_hand, weights, limit) -> list[Candidate]:
    """The best ``limit``, reading the ranked rows (specialist id, name key, bound, places,
    code, latitude, longitude) a page at a time. A row's bound counts no open consultation
    and, for someone with several practices, the best distance: take those off, and stop
    at the first bound below the last of the top."""
    point = _patient_point(case)
    top: list[Candidate] = []
    offset = 0
    while True:
        rows = _fetch(ranked, READ, offset)
        nearest = _nearest([row[0] for row in rows if row[3] > 1], point)
        for specialist_id, name_key, bound, places, code, latitude, longitude in rows:
            if len(top) == limit and -bound > top[-1].rank:
                return top
            score = bound
            if specialist_id in on_hand:
                open_now, capacity = on_hand[specialist_id]
                score -= weights["load"] * open_now / max(capacity, 1)
            km = nearest.get(specialist_id) if places > 1 else (
                geo.distance_km(point, (latitude, longitude)) if places == 1 and point else None)
            if places > 1 and point:
                score -= weights["distance"] * (1 - _distance_component(km, case))
            nearby = km if km is not None and km <= case.travel_km else None
            bisect.insort(top, Candidate(-score, name_key, specialist_id, code, nearby))
            del top[limit:]
        if len(rows) < READ:
            return top
        offset += READ


def _nearest(ids: list[int], point) -> dict[int, float]:
    """Kilometres to the nearest practice of each of these specialists."""
    nearest: dict[int, float] = {}
    if not ids or point is None:
        return nearest
    for specialist_id, latitude, longitude in PracticeLocation.objects.filter(
            specialist_id__in=ids, latitude__isnull=False, longitude__isnull=False
    ).values_list("specialist_id", "latitude", "longitude"):
        assert latitude is not None and longitude is not None  # as filtered
        km = geo.distance_km(point, (latitude, longitude))
        nearest[specialist_id] = min(km, nearest.get(specialist_id, km))
    return nearest


def _distance_component(km: float | None, case: Case) -> float:
    if km is None or km > case.travel_km:
        return 0.0
    return 1 - km / max(case.travel_km, 1)


@dataclass
class Loaded:
    """A proposed specialist with what their score and reasons read."""

    specialist: Specialist
    open_cases: int
    certifications: list[BoardCertification]
    institutions: list[Institution]


def _load(ids: list[int], on_hand: dict[int, tuple[int, int]]) -> dict[int, Loaded]:
    """The proposed specialists with their certifications and institutions, fetched in one
    query each (prefetch_related cost more in Python than the queries took)."""
    specialists = Specialist.objects.in_bulk(ids)
    certifications: dict[int, list[BoardCertification]] = {i: [] for i in specialists}
    for certification in BoardCertification.objects.filter(specialist_id__in=ids):
        certifications[certification.specialist_id].append(certification)
    institutions: dict[int, list[Institution]] = {i: [] for i in specialists}
    for link in Specialist.institutions.through.objects.filter(
            specialist_id__in=ids).select_related("institution").order_by("institution_id"):
        institutions[link.specialist_id].append(link.institution)
    return {i: Loaded(specialist, on_hand.get(i, (0, 0))[0], certifications[i], institutions[i])
            for i, specialist in specialists.items()}


def _on_hand() -> dict[int, tuple[int, int]]:
    """Open consultations and capacity of everyone with a consultation on hand (few)."""
    return {specialist_id: (open_now, capacity) for specialist_id, capacity, open_now in
            Consultation.objects.filter(status__in=OPEN_STATUSES).order_by()
            .values_list("specialist_id", "specialist__capacity").annotate(n=Count("id"))}


def systems_to_avoid(case: Case) -> set[str]:
    """The keys (directory/systems.py) that matching leaves out: those of the case's
    earlier systems (names_to_avoid), and every name in the directory that may be one of
    them by its spelling (a misspelling, a word more): when unsure, the same system."""
    return systems.alike(names_to_avoid(case),
                         SystemName.objects.values_list("key", flat=True).iterator())


def names_to_avoid(case: Case) -> set[str]:
    """The keys of the first opinion's system and facility, and of those of specialists who
    have already given an opinion on this case or on the earlier cases it continues (a third
    opinion must differ from both); with every name of a hospital system one of them names."""
    chain = [case]
    while chain[-1].earlier_case_id and len(chain) < 10:
        chain.append(Case.objects.only("hospital_system", "institution", "earlier_case_id",
                                       "first_system_id", "first_institution_id")
                     .get(id=chain[-1].earlier_case_id))
    found = systems.keys(n for c in chain for n in (c.hospital_system, c.institution))
    # the institutions a coordinator confirmed: their names, free-text systems and systems
    confirmed = {c.first_system_id for c in chain if c.first_system_id}
    places = {c.first_institution_id for c in chain if c.first_institution_id}
    if places:
        for name, free, system_id in Institution.objects.filter(id__in=places).values_list(
                "name", "hospital_system", "system_id"):
            found |= systems.keys([name, free])
            if system_id:
                confirmed.add(system_id)
    earlier = Specialist.objects.filter(consultations__case__in=[c.id for c in chain],
                                        consultations__status="completed")
    for specialist in earlier.prefetch_related("institutions__system__aliases"):
        found |= systems_of(specialist)
    # the systems a coordinator confirmed (identity), besides those the names name
    return found | _systems_named(found, confirmed)


def _systems_named(found: set[str], confirmed: Iterable[int] = ()) -> set[str]:
    """Every key of the hospital systems whose name or an alias has one of these keys, and
    of the ``confirmed`` systems."""
    ids = set(HospitalSystem.objects.filter(Q(key__in=found) | Q(aliases__key__in=found))
              .values_list("id", flat=True)) | set(confirmed)
    if not ids:
        return set()
    return (set(HospitalSystem.objects.filter(id__in=ids).values_list("key", flat=True))
            | set(SystemAlias.objects.filter(system_id__in=ids).values_list("key", flat=True))
            ) - {""}


def systems_of(specialist: Specialist) -> set[str]:
    """The keys of the specialist's system, institution and group practice, and of every
    institution they belong to with its system (all its names, when the directory knows
    it)."""
    names = {specialist.hospital_system, specialist.institution, specialist.group_practice}
    for institution in specialist.institutions.all():
        names |= {institution.name, institution.hospital_system}
        if institution.system is not None:
            names |= {institution.system.name,
                      *(alias.name for alias in institution.system.aliases.all())}
    return systems.keys(names)


def fits_case(case: Case, specialist: Specialist) -> bool:
    """The specialist has a specialty that fits the case's condition, as matching's first
    rule decides (the condition-to-specialty table), among all their specialties. A case
    whose condition has no code yet cannot tell: it fits."""
    if not case.diagnosis_codes:
        return True
    fitting = {t.code for t in specialties_for_codes(case.diagnosis_codes)}
    theirs = {specialist.taxonomy_code,
              *SpecialistTaxonomy.objects.filter(specialist=specialist)
              .values_list("code", flat=True)}
    return bool(fitting & theirs)


def same_system(case: Case, specialist: Specialist) -> bool:
    """The specialist may work in the first opinion's hospital system or facility (or in
    that of an earlier opinion on this case): by identity where the directory links them,
    else by name and similarity, erring on "the same"."""
    avoid = names_to_avoid(case)
    return any(systems.similar(a, b) for a in avoid for b in systems_of(specialist))


def _patient_point(case: Case) -> tuple[float, float] | None:
    try:
        return geo.parse_place(case.patient_location) if case.patient_location else None
    except geo.UnknownPlace:
        return None


def _score(loaded: Loaded, case, best, nearby, weights) -> Proposal:
    """``best``: the position among the case's specialties of the specialist's first."""
    specialist = loaded.specialist
    components = {
        "specialty_fit": 1.0 if best == 0 else 0.6,
        "condition_focus": 1.0 if _in_focus(case.diagnosis_codes, specialist) else 0.0,
        "centre": _centre(loaded.institutions),
        "turnaround": max(0.0, min(1.0, (15 - specialist.turnaround_days) / 12)),
        "load": 1 - loaded.open_cases / max(specialist.capacity, 1),
        "distance": _distance_component(nearby, case),
        "language": 1.0 if case.patient_language
        and case.patient_language in specialist.languages else 0.0,
    }
    components = {k: round(v, 3) for k, v in components.items()}
    score = round(sum(weights.get(k, 0) * v for k, v in components.items()), 3)
    return Proposal(specialist, score, components,
                    _reasons(loaded, case, components, nearby, best),
                    round(nearby, 1) if nearby is not None else None)


def _in_focus(codes: list[str], specialist: Specialist) -> bool:
    """A diagnosis falls in a category the specialist focuses on (as the database checks)."""
    return any(f",{code.upper()[:3]}," in specialist.focus_categories for code in codes)


def _centre(institutions: list[Institution]) -> float:
    academic = any(i.academic for i in institutions)
    centre = any(i.centre_type for i in institutions)
    return 0.5 * academic + 0.5 * centre


def _reasons(loaded: Loaded, case, components, nearby, best) -> list[str]:
    specialist = loaded.specialist
    certified = next((c for c in loaded.certifications if c.is_current(date.today())), None)
    reasons = [f"Board-certified in {certified.specialty}" if certified else "Certified"]
    reasons.append(f"{specialist.specialty}: "
                   + ("the first specialty for this condition" if best == 0
                      else "a specialty that treats this condition"))
    if components["condition_focus"]:
        reasons.append(f"{case.diagnosis_text} is a condition of focus")
    institutions = loaded.institutions
    for institution in institutions:
        if institution.centre_type:
            reasons.append(f"{institution.get_centre_type_display()} ({institution.name})")
            break
    if any(i.academic for i in institutions):
        reasons.append("Academic or teaching hospital")
    # Said so that it reads right to the coordinator and to a patient choosing alike.
    reasons.append("Different hospital system from the first opinion")
    if nearby is not None:
        reasons.append(f"{nearby:.0f} km away")
    if specialist.telemedicine:
        reasons.append("Offers video visits")
    if components["language"]:
        reasons.append(f"Speaks {_language_name(case.patient_language)}")
    reasons.append(f"Usually reports in {specialist.turnaround_days} days")
    reasons.append(f"{loaded.open_cases} of {specialist.capacity} consultation places in use")
    return reasons


def _language_name(code: str) -> str:
    """ "es" → "Spanish"; a code Django does not know stays as it is."""
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


# How many specialists the case page's "Offer to a specialist who is not proposed" lists.
OFFER_CHOICES = 300


def offer_choices(case: Case) -> list[Specialist]:
    """The specialists a coordinator may offer the case to besides the proposals: those
    accepting cases (the program's enrolled ones: imported clinicians are not), not offered
    this case before, by name. The offer's own rules still apply (another hospital system;
    a reason outside the fitting specialties); those of the first opinion's system (or an
    earlier opinion's: same_system) are left out, as the offer would refuse them."""
    offered = Consultation.objects.filter(case=case).values("specialist_id")
    avoid = names_to_avoid(case)
    found = (Specialist.objects.filter(accepting_cases=True).exclude(id__in=offered)
             .order_by("name", "id").prefetch_related("institutions__system__aliases"))
    return [s for s in found[:OFFER_CHOICES]
            if not any(systems.similar(a, b) for a in avoid for b in systems_of(s))]
