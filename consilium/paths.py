"""How IDs are written in paths, alike on pages and in the API.

Each kind of ID has one path converter: ``<uuid:...>`` (Django's: 36 lower-case characters,
hyphenated) for the records, cases and consultations, and ``<id:...>`` below for the whole
numbers. A path whose ID is malformed (a letter, ``..``, a NUL, 37 characters, a number beyond
64 bits) matches no URL, so it answers the one 404 of the site: the 404 page, or the API's
``{"detail": "Not found."}`` under /api/ (``consilium.api.page_not_found``). The API's routes
use the same converters (``"/{uuid:case_id}"``), so no malformed ID reaches an operation's
validation (which would answer 422) or a database lookup (which fails beyond 64 bits).
"""

from django.urls import register_converter
from django.urls.converters import IntConverter


class ObjectIdConverter(IntConverter):
    """A whole number of ASCII digits that fits a 64-bit column: an object's ID, a page's
    index. 18 digits at most, so every value matched is below 2**63."""

    regex = "[0-9]{1,18}"


register_converter(ObjectIdConverter, "id")
