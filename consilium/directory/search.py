"""Searching the directory: by name, specialty, condition, place, language, network.

Every filter narrows in the database through an index: the name as a range on ``name_key``,
specialties through ``SpecialistTaxonomy.code``, places as a bounding box on indexed
latitudes and longitudes (then the exact distance): a specialty's through the matching rows,
everyone's through the practice locations. Unknown specialties,
conditions and places raise InvalidInput naming them (HTTP 422).
"""

import heapq
import math
from dataclasses import dataclass, field

from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    QuerySet,
)

from consilium.errors import InvalidInput
from consilium.terminology.models import Icd10Code, NuccTaxonomy
from consilium.terminology.search import normalise_code
from consilium.terminology.specialties import specialties_for_codes

from . import geo
from .models import MatchRow, PracticeLocation, Specialist, SpecialistTaxonomy

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
    sort: str = "relevance"  # or "distance" (the same when a place is given)


@dataclass
class Found:
    specialist: Specialist
    distance_km: float | None = None


@dataclass
class SearchResult:
    count: int  # at most COUNT_CAP
    items: list[Found] = field(default_factory=list)
    exact: bool = True  # False: more than ``count`` specialists fit


# A search counts what it finds up to this many; beyond, the answer is "more than 1,000"
# (an exact count over a specialty of 100,000 costs more than the page itself).
COUNT_CAP = 1000


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
    """A page of specialists: in name order, or nearest first when the query gives a place
    (near a place, the nearest are the most relevant)."""
    codes = specialty_codes_for(query)
    point = _place(query)
    if query.sort not in ("relevance", "distance"):
        raise InvalidInput({"sort": "Sort by “relevance” or “distance”."})
    if point is None and query.sort == "distance":
        raise InvalidInput({"sort": "Sorting by distance needs “near”."})
    wanted = offset + limit
    if point is None:
        ids, count, exact = _by_name(query, codes, wanted)
    else:
        ids, count, exact = _by_distance(query, codes, point, wanted)
    window = ids[offset:]
    found = Specialist.objects.prefetch_related("locations").in_bulk(window)
    return SearchResult(count, [Found(found[i], _distance_to(point, found[i]))
                                for i in window], exact)


def _by_name(query, codes, wanted) -> tuple[list[int], int, bool]:
    if not codes:
        specialists = Specialist.objects.filter(**_filters(query))
        ids = list(specialists.order_by("name_key", "id").values_list("id", flat=True)
                   [:wanted])
        return (ids, *_capped_count(specialists))
    # Each specialty is read in name order from its own index range, and the ranges merged
    # (a specialist in two of them appears once).
    listings = [_listed(query, code) for code in codes]
    merged = heapq.merge(*[
        listing.order_by("name_key", "specialist_id")
        .values_list("name_key", "specialist_id")[:wanted] for listing in listings])
    ids = list(dict.fromkeys(specialist_id for _, specialist_id in merged))[:wanted]
    return (ids, *_count_across(listings, codes, query))


def _by_distance(query, codes, point, wanted) -> tuple[list[int], int, bool]:
    if codes:
        return _nearest_in_specialties(query, codes, point, wanted)
    return _nearest_in_rings(point, query, wanted)


def _nearest_in_specialties(query, codes, point, wanted) -> tuple[list[int], int, bool]:
    """Specialists of these specialties within the radius, nearest first. Read whole while
    they are few; past COUNT_CAP, "more than", and the nearest read in order."""
    places = _places_in_specialties(query, codes, point)
    read = COUNT_CAP + 1
    while True:
        rows = list(places[:read])
        if len(rows) < read:
            return _nearest(rows, wanted)
        if len({specialist_id for specialist_id, _ in rows}) > COUNT_CAP:
            break
        read *= 2  # the same specialists over and over (several specialties or places)
    ordered = places.order_by("planar", "specialist_id")
    read = wanted * 2
    while True:
        rows = list(ordered[:read])
        nearest = list(dict.fromkeys(specialist_id for specialist_id, _ in rows))
        if len(nearest) >= wanted or len(rows) < read:
            return nearest[:wanted], COUNT_CAP, False
        read *= 4


def _places_in_specialties(query, codes, point):
    """(specialist, squared distance) of every place within the radius of a specialist in
    these specialties. Most have one practice, whose place their MatchRows hold: the
    (code, telemedicine, latitude, longitude) index reads a specialty's box as one range.
    (Read the other way, from the practices in a city's box, PostgreSQL checked each one's
    specialties: 130 ms at a million.) Those with several practices are read through
    their practices."""
    low_lat, high_lat, low_lon, high_lon = geo.bounding_box(point, query.radius_km)
    reach = (query.radius_km / geo.KM_PER_DEGREE) ** 2
    rows = MatchRow.objects.filter(code__in=codes, **_match_row_filters(query))
    single = rows.filter(latitude__range=(low_lat, high_lat),
                         longitude__range=(low_lon, high_lon)
                         ).annotate(planar=planar_sq(point)).filter(planar__lte=reach)
    several = locations_within(point, query.radius_km).filter(specialist_id__in=rows.filter(
        latitude__isnull=True, places__gt=1).values("specialist_id"))  # a range of the index
    return single.values_list("specialist_id", "planar").union(
        several.values_list("specialist_id", "planar"), all=True)


def _nearest(rows, wanted) -> tuple[list[int], int, bool]:
    """Every specialist among (specialist, squared distance) rows, nearest first."""
    nearest: dict[int, float] = {}
    for specialist_id, planar in rows:
        nearest[specialist_id] = min(planar, nearest.get(specialist_id, planar))
    ranked = sorted(nearest, key=lambda i: (nearest[i], i))
    return ranked[:wanted], min(len(ranked), COUNT_CAP), len(ranked) <= COUNT_CAP


# Practices read whole from one ring around the place; a denser ring is read nearest first.
RING_READ = COUNT_CAP + 1


def _nearest_in_rings(point, query, wanted) -> tuple[list[int], int, bool]:
    """Rings of doubling radius around the place, so a city reads only its nearest
    practices. A ring is read whole while it is small (everything inside it is nearer than
    anything outside); a ring too dense for that has its nearest read in order, and its
    specialists are counted as "more than"."""
    enough: list[int] = []  # the nearest, once a ring held as many as wanted
    for ring in [query.radius_km / 2 ** n for n in range(7, -1, -1)]:
        places = _narrowed(locations_within(point, ring), query)
        rows = list(places.values_list("specialist_id", "planar")[:RING_READ + 1])
        if len(rows) > RING_READ:
            if not enough:
                ordered = places.order_by("planar", "specialist_id").values_list(
                    "specialist_id", flat=True)[:wanted * 4]
                enough = list(dict.fromkeys(ordered))[:wanted]
                if len(enough) < wanted and ring < query.radius_km:
                    enough = []  # dense, yet not enough here (a deep page): further out
                    continue
            return enough, min(len({i for i, _ in rows}), COUNT_CAP), False
        ids, count, exact = _nearest(rows, wanted)
        if ring == query.radius_km:
            return ids, count, exact
        enough = enough or (ids if len(ids) >= wanted else [])
    return enough, len(enough), True


def _capped_count(queryset) -> tuple[int, bool]:
    """Counted up to the cap, from an index alone (only the ids are read)."""
    if not queryset.query.values_select:
        queryset = queryset.values("pk")
    found = queryset.order_by()[:COUNT_CAP + 1].count()  # no ordering: no sort
    return min(found, COUNT_CAP), found <= COUNT_CAP


def _count_across(listings, codes, query) -> tuple[int, bool]:
    """Specialists in any of the specialties: each counted up to the cap; when none reaches
    it, the exact number of different specialists among them all."""
    cap = COUNT_CAP
    for listing in listings:
        if listing.values("specialist_id").order_by()[:cap + 1].count() > cap:
            return cap, False
    if len(listings) == 1:
        return listings[0].count(), True
    return SpecialistTaxonomy.objects.filter(
        code__in=codes, **_through_specialist(query)).values("specialist_id") \
        .distinct().count(), True


def _narrowed(places, query):
    """Practices of the specialists the query asks for, joined to them only when other
    filters need it, so that the database walks the place index outward from the point."""
    return places.filter(**{f"specialist__{k}": v for k, v in _filters(query).items()})


def planar_sq(point: tuple[float, float]):
    """Squared distance in degrees of latitude (equirectangular: exact enough within a few
    hundred km, and plain arithmetic that both databases compute from the index)."""
    lat, lon = point
    squeeze = math.cos(math.radians(lat))
    dlat = F("latitude") - lat
    dlon = (F("longitude") - lon) * squeeze
    return ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())


def locations_in_box(point: tuple[float, float], radius_km: float):
    """Practices in the bounding box of the circle, read through the grid cells it covers
    (a box too large for that reads its band of latitude)."""
    low_lat, high_lat, low_lon, high_lon = geo.bounding_box(point, radius_km)
    cells = geo.cells_covering(low_lat, high_lat, low_lon, high_lon)
    places = PracticeLocation.objects.filter(cell__in=cells) if cells else \
        PracticeLocation.objects.all()
    return places.filter(latitude__gte=low_lat, latitude__lte=high_lat,
                         longitude__gte=low_lon, longitude__lte=high_lon)


def locations_within(point: tuple[float, float], radius_km: float):
    """Practices within the radius (flat-earth), each with its ``planar`` squared distance."""
    reach = (radius_km / geo.KM_PER_DEGREE) ** 2
    return locations_in_box(point, radius_km).annotate(planar=planar_sq(point)).filter(
        planar__lte=reach)


def _distance_to(point, specialist: Specialist) -> float | None:
    if point is None:
        return None
    distances = [geo.distance_km(point, (p.latitude, p.longitude))
                 for p in specialist.locations.all()
                 if p.latitude is not None and p.longitude is not None]
    return round(min(distances), 1) if distances else None


def _filters(query: SpecialistQuery) -> dict[str, object]:
    """Every filter on the specialist's own row, as field lookups."""
    lookups: dict[str, object] = {}
    words = query.q.strip().casefold()
    if words:
        lookups |= {"name_key__gte": words, "name_key__lt": words + "\uffff"}
    if query.telemedicine is not None:
        lookups["telemedicine"] = query.telemedicine
    if query.accepting is not None:
        lookups["accepting_cases"] = query.accepting
    if query.language:
        lookups["languages__icontains"] = f'"{query.language.strip().lower()[:8]}"'
    if query.insurance:
        lookups["insurance_networks__icontains"] = f'"{query.insurance.strip()[:60]}"'
    return lookups


def _match_row_filters(query: SpecialistQuery) -> dict[str, object]:
    """The same filters on a MatchRow (its own copies of the name key, video visits,
    accepting and languages; the networks through the specialist, compared as the
    specialist's own filter compares them). Video visits either way unless asked, so that
    the index reaches the latitude."""
    lookups: dict[str, object] = {
        "telemedicine__in": [False, True] if query.telemedicine is None
        else [query.telemedicine]}
    for key, value in _filters(query).items():
        if key.startswith("name_key"):
            lookups[key] = value
        elif key == "accepting_cases":
            lookups["accepting"] = value
        elif key == "languages__icontains":
            lookups["languages__contains"] = f"|{query.language.strip().lower()[:8]}|"
        elif key != "telemedicine":
            lookups[f"specialist__{key}"] = value
    return lookups


def _through_specialist(query: SpecialistQuery) -> dict[str, object]:
    """The same filters from a specialty row (its own copy of the name key, the rest
    through the specialist)."""
    return {key if key.startswith("name_key") else f"specialist__{key}": value
            for key, value in _filters(query).items()}


def _listed(query: SpecialistQuery, code: str):
    return SpecialistTaxonomy.objects.filter(code=code, **_through_specialist(query))


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
    name key). The bounding box is read from the (cell, latitude, longitude) index; only
    the locations inside it get an exact distance."""
    box = locations_in_box(point, radius_km)
    if specialists is not None:
        box = box.filter(specialist__in=specialists)
    nearest: dict[int, tuple[float, str]] = {}
    rows = box.values_list("specialist_id", "latitude", "longitude", "specialist__name_key")
    for specialist_id, lat, lon, key in rows:
        distance = geo.distance_km(point, (lat, lon))
        if distance <= radius_km and distance < nearest.get(specialist_id, (math.inf,))[0]:
            nearest[specialist_id] = (distance, key)
    return nearest
