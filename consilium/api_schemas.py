"""What every API operation shares: how input is read, the error answer, the page of a list.

Each operation names the errors it gives (``response={200: CaseOut, **errors(404, 409)}``), so
the OpenAPI spec documents every status code the API really answers (schemathesis checks it:
consilium/tests/test_api_fuzz.py).
"""

import json

from ninja import Field, Schema
from ninja.parser import Parser

from consilium.errors import InvalidInput

# Deeper pages are refused: a client pages through at most this many items of a list (the
# database would otherwise be asked for any 64-bit offset, or fail beyond one).
MAX_OFFSET = 1_000_000
MAX_LIMIT = 200
# JSON bodies: nesting beyond this is no request of ours (Python's json would recurse until
# it fails), and whole numbers beyond 64 bits fit no database column.
MAX_DEPTH = 32
INT64 = range(-(2**63), 2**63)


class StrictParser(Parser):
    """Reads bodies and query strings, refusing hostile input with a 422 before any
    operation sees it: NUL characters (PostgreSQL refuses them in text; Django's forms refuse
    them on the pages), whole numbers beyond 64 bits, nesting too deep."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body, parse_int=_int64)
        except RecursionError:
            raise InvalidInput({"body": "The JSON is nested too deeply."}) from None
        _refuse_hostile(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if any("\x00" in text for text in (key, *values)):
                raise InvalidInput({key.replace("\x00", ""): "Text cannot contain NUL "
                                                              "characters."})
        return super().parse_querydict(data, list_fields, request)


def _int64(text: str) -> int:
    number = int(text)
    if number not in INT64:
        raise InvalidInput({"body": f"{text[:30]} is too large a number."})
    return number


def _refuse_hostile(value, level: int = 0) -> None:
    if level > MAX_DEPTH:
        raise InvalidInput({"body": f"The JSON is nested more than {MAX_DEPTH} levels."})
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInput({"body": "Text cannot contain NUL characters."})
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list):
        for item in value:
            _refuse_hostile(item, level + 1)


class ErrorOut(Schema):
    """Every error: a sentence to show; for 422 also a message per field."""

    detail: str
    errors: dict[str, str] | None = None


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers of an operation, for its ``response=``. Every operation that needs a
    user answers 401 (no or a bad token) and 403 (a session whose second factor is not
    confirmed yet); the others are named by the operation."""
    return {code: ErrorOut for code in sorted({401, 403, *codes})}


def public_errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers of an operation open to anyone."""
    return {code: ErrorOut for code in sorted(codes)}


class PageIn(Schema):
    """Which part of a list: ``limit`` items from ``offset`` (both bounded)."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"1 to {MAX_LIMIT} items")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"0 to {MAX_OFFSET:,}")
