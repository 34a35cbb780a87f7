"""Places and distances: US ZIP code centroids (the zipcodes package) and great-circle
distance. A search "near" a place reads a bounding box of latitude and longitude from an index
and then keeps what is truly within the radius."""

import math
import re
from functools import cache

import zipcodes

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # of latitude
_LAT_LON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class UnknownPlace(ValueError):
    pass


@cache
def _centroids() -> dict[str, tuple[float, float]]:
    """ZIP code → (latitude, longitude), read once (about 42,000 codes)."""
    return {z["zip_code"]: (float(z["lat"]), float(z["long"])) for z in zipcodes.list_all()
            if z["lat"] and z["long"]}


def zip_point(postal_code: str) -> tuple[float, float] | None:
    """The centre of a US ZIP code (5 or 9 digits, with or without a dash)."""
    return _centroids().get((postal_code or "").strip()[:5])


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
