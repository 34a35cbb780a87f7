"""Places and distances: US ZIP code centroids (the zipcodes package) and great-circle
distance. A search "near" a place reads the grid cells its bounding box covers from an index
(cell, latitude, longitude), then keeps what is truly within the radius."""

import math
import re
from functools import lru_cache

import zipcodes

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # of latitude
_LAT_LON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class UnknownPlace(ValueError):
    pass


@lru_cache(maxsize=1_000)  # every three-digit area
def _area(prefix: str) -> dict[str, tuple[float, float]]:
    """The centres of the ZIP codes starting with these three digits, read in one call
    (~0.2 ms in zipcodes' compiled core, the same as for one code). An importer meets each
    of the ~1,000 areas many times, each of the ~42,000 codes a few: one call per code took
    10 s of a million-row import. zipcodes' own list of every code, kept once read, would
    hold 88 MB of Python objects in each process; these hold ~9 MB when all are read."""
    return {place["zip_code"]: (float(place["lat"]), float(place["long"]))
            for place in zipcodes.similar_to(prefix) if place.get("lat") and place.get("long")}


def zip_point(postal_code: str) -> tuple[float, float] | None:
    """The centre of a US ZIP code (5 or 9 digits, with or without a dash)."""
    code = (postal_code or "").strip()[:5]
    return _area(code[:3]).get(code) if re.fullmatch(r"\d{5}", code) else None


def parse_place(text: str) -> tuple[float, float]:
    """A ZIP code or "latitude,longitude"; UnknownPlace names what was not understood."""
    match = _LAT_LON.match(text or "")
    if match:
        lat, lon = float(match[1]), float(match[2])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        raise UnknownPlace(f"{text!r} is not a latitude,longitude on Earth.")
    point = zip_point(text) if re.fullmatch(r"\s*\d{5}(-?\d{4})?\s*", text or "") else None
    if point is None:
        raise UnknownPlace(f"{text!r} is not a known US ZIP code or a latitude,longitude.")
    return point


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(point: tuple[float, float], radius_km: float
                 ) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) that holds every point within the radius."""
    lat, lon = point
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# The grid: cells a quarter degree on a side (28 km north to south), numbered row * 10,000 +
# column. An index starting with the cell lets a box read only its own cells, where an index
# on latitude alone would read the whole band of the country at that latitude.
CELL_DEGREES = 0.25
_COLUMNS = 10_000
MAX_CELLS = 400  # a larger box reads its band of latitude instead


def cell_of(latitude: float | None, longitude: float | None) -> int | None:
    if latitude is None or longitude is None:
        return None
    return (math.floor((latitude + 90) / CELL_DEGREES) * _COLUMNS
            + math.floor((longitude + 180) / CELL_DEGREES))


def cells_covering(low_lat: float, high_lat: float, low_lon: float, high_lon: float
                   ) -> list[int] | None:
    """The cells a box touches, or None when there are more than MAX_CELLS."""
    rows = range(math.floor((max(low_lat, -90) + 90) / CELL_DEGREES),
                 math.floor((min(high_lat, 90) + 90) / CELL_DEGREES) + 1)
    columns = range(math.floor((max(low_lon, -180) + 180) / CELL_DEGREES),
                    math.floor((min(high_lon, 180) + 180) / CELL_DEGREES) + 1)
    if len(rows) * len(columns) > MAX_CELLS:
        return None
    return [row * _COLUMNS + column for row in rows for column in columns]
