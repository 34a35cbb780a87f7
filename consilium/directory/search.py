"""Searching the directory: by name, specialty, condition, place, language, network.

Every filter narrows in the database through an index: the name as a range on ``name_key``,
specialties through ``SpecialistTaxonomy.code``, places as a bounding box on the indexed
latitude/longitude of practice locations (then the exact distance). Unknown specialties,
conditions and places raise InvalidInput naming them (HTTP 422).
"""

import math
from dataclasses import dataclass, field

from django.db.models import ExpressionWrapper, F, FloatField, Min, QuerySet

from consilium.errors import InvalidInput
from consilium.terminology.models import Icd10Code, NuccTaxonomy
from consilium.terminology.search import normalise_code
from consilium.terminology.specialties import specialties_for_codes

from . import geo
from .models import PracticeLocation, Specialist, SpecialistTaxonomy

MAX_RADIUS_KM = 5000


@dataclass
class SpecialistQuery:
    q: str = ""
    specialty: str = ""  # NUCC code
    condition: str = ""  # ICD-10-CM code
    near: str = ""  # US ZIP code or "latitude,longitude"
    radius_km: float = 100
    telemedicine: bool | None = None
    language: str = ""
    insurance: str = ""
    accepting: bool | None = None
    sort: str = "relevance"  # or "distance"


@dataclass
class Found:
    specialist: Specialist
    distance_km: float | None = None


@dataclass
class SearchResult:
    count: int
    items: list[Found] = field(default_factory=list)


def specialty_codes_for(query: SpecialistQuery) -> list[str]:
    """The NUCC codes a query asks for (its specialty, or those fitting its condition)."""
    errors = {}
    codes: list[str] = []
    if query.specialty:
        code = query.specialty.strip().upper()
        if not NuccTaxonomy.objects.filter(code=code).exists():
            errors["specialty"] = f"“{query.specialty}” is not a NUCC taxonomy code."
        codes.append(code)
    if query.condition:
        condition = normalise_code(query.condition)
        if not Icd10Code.objects.filter(code=condition).exists():
            errors["condition"] = f"“{query.condition}” is not an ICD-10-CM code."
        else:
            fitting = [t.code for t in specialties_for_codes([condition])]
            codes = [c for c in codes if c in fitting] if query.specialty else fitting
    if errors:
        raise InvalidInput(errors)
    return codes


def search_specialists(query: SpecialistQuery, *, limit: int = 50, offset: int = 0
                       ) -> SearchResult:
    specialists = filtered(query)
    point = _place(query)
    if point is None:
        if query.sort == "distance":
            raise InvalidInput({"sort": "Sorting by distance needs “near”."})
        count = specialists.count()
        page = list(specialists.order_by("name_key", "id")[offset: offset + limit])
        return SearchResult(count, [Found(s) for s in page])
    places = _among(locations_within(point, query.radius_km), specialists)
    nearest = places.values("specialist_id").annotate(near=Min(planar_sq(point)))
    count = nearest.count()
    if query.sort == "distance":
        window = _nearest_first(point, query.radius_km, specialists, offset + limit)
    else:
        window = list(nearest.order_by("specialist__name_key", "specialist_id")
                      .values_list("specialist_id", flat=True)[:offset + limit])
    window = window[offset:]
    found = Specialist.objects.prefetch_related("locations").in_bulk(window)
    return SearchResult(count, [Found(found[i], _distance_to(point, found[i]))
                                for i in window])


def _nearest_first(point, radius_km, specialists, wanted: int) -> list[int]:
    """The ``wanted`` nearest specialists: rings of growing radius, so a dense city reads
    only its nearest places (everything inside a ring is nearer than anything outside)."""
    for ring in (radius_km / 16, radius_km / 4, radius_km):
        ids = list(_among(locations_within(point, ring), specialists)
                   .values("specialist_id").annotate(near=Min(planar_sq(point)))
                   .order_by("near", "specialist_id")
                   .values_list("specialist_id", flat=True)[:wanted])
        if len(ids) >= wanted or ring == radius_km:
            return ids
    return []


def _among(places, specialists):
    """Only the specialists a query narrowed to (no join at all when it did not, so the
    database reads the locations' place index rather than walking every specialist)."""
    return places.filter(specialist__in=specialists) if specialists.query.has_filters() \
        else places


def planar_sq(point: tuple[float, float]):
    """Squared distance in degrees of latitude (equirectangular: exact enough within a few
    hundred km, and plain arithmetic that both databases compute from the index)."""
    lat, lon = point
    squeeze = math.cos(math.radians(lat))
    dlat = F("latitude") - lat
    dlon = (F("longitude") - lon) * squeeze
    return ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())


def locations_within(point: tuple[float, float], radius_km: float):
    low_lat, high_lat, low_lon, high_lon = geo.bounding_box(point, radius_km)
    reach = (radius_km / geo.KM_PER_DEGREE) ** 2
    return PracticeLocation.objects.filter(
        latitude__gte=low_lat, latitude__lte=high_lat, longitude__gte=low_lon,
        longitude__lte=high_lon).alias(planar=planar_sq(point)).filter(planar__lte=reach)


def _distance_to(point, specialist: Specialist) -> float | None:
    distances = [geo.distance_km(point, (p.latitude, p.longitude))
                 for p in specialist.locations.all() if p.latitude is not None]
    return round(min(distances), 1) if distances else None


def filtered(query: SpecialistQuery) -> QuerySet[Specialist]:
    """Every filter but the place, applied in the database."""
    specialists = Specialist.objects.all()
    codes = specialty_codes_for(query)
    if query.specialty or query.condition:
        specialists = specialists.filter(id__in=SpecialistTaxonomy.objects.filter(
            code__in=codes).values("specialist_id"))
    words = query.q.strip().casefold()
    if words:
        specialists = specialists.filter(name_key__gte=words, name_key__lt=words + "\uffff")
    if query.telemedicine is not None:
        specialists = specialists.filter(telemedicine=query.telemedicine)
    if query.accepting is not None:
        specialists = specialists.filter(accepting_cases=query.accepting)
    if query.language:
        specialists = specialists.filter(
            languages__icontains=f'"{query.language.strip().lower()[:8]}"')
    if query.insurance:
        specialists = specialists.filter(
            insurance_networks__icontains=f'"{query.insurance.strip()[:60]}"')
    return specialists


def _place(query: SpecialistQuery) -> tuple[float, float] | None:
    if not query.near:
        return None
    if not 0 < query.radius_km <= MAX_RADIUS_KM:
        raise InvalidInput({"radius_km": f"Give a radius between 1 and {MAX_RADIUS_KM} km."})
    try:
        return geo.parse_place(query.near)
    except geo.UnknownPlace as problem:
        raise InvalidInput({"near": str(problem)}) from None


def within(point: tuple[float, float], radius_km: float,
           specialists: QuerySet[Specialist] | None = None) -> dict[int, tuple[float, str]]:
    """Specialist id → (distance in km of their nearest practice within the radius, their
    name key). The bounding box is read from the (latitude, longitude) index; only the
    locations inside it get an exact distance."""
    low_lat, high_lat, low_lon, high_lon = geo.bounding_box(point, radius_km)
    box = PracticeLocation.objects.filter(latitude__gte=low_lat, latitude__lte=high_lat,
                                          longitude__gte=low_lon, longitude__lte=high_lon)
    if specialists is not None:
        box = box.filter(specialist__in=specialists)
    nearest: dict[int, tuple[float, str]] = {}
    rows = box.values_list("specialist_id", "latitude", "longitude", "specialist__name_key")
    for specialist_id, lat, lon, key in rows:
        distance = geo.distance_km(point, (lat, lon))
        if distance <= radius_km and distance < nearest.get(specialist_id, (math.inf,))[0]:
            nearest[specialist_id] = (distance, key)
    return nearest
