"""A day in declared input (consilium/schemas.py Day): written YYYY-MM-DD or a date, spaces
around it dropped; nothing is no day; anything else reads the field's own words."""

from datetime import date, datetime
from typing import Annotated

import pytest

from consilium.errors import InvalidInput
from consilium.schemas import Day, InputSchema

WORDS = "Give the date as YYYY-MM-DD."


class DueIn(InputSchema):
    due: Annotated[date, Day(WORDS)]
    until: Annotated[date | None, Day(WORDS)] = None


@pytest.mark.parametrize("value", [
    "31/12/2030", "12/31/2030", "2030-02-30", "2030-13-01", "20301231", "2030-W01-1",
    "2030-12-31T00:00", "tomorrow", "²⁰³⁰-12-31", "", "   ", None, 1_900_000_000, True,
    ["2030-12-31"], datetime(2030, 12, 31), "2030-12-31" + "1" * 100_000,
])
def test_anything_but_a_day_reads_the_field_s_words(value):
    with pytest.raises(InvalidInput) as refused:
        DueIn.read({"due": value})
    assert refused.value.errors == {"due": WORDS}


def test_a_day_is_read_and_nothing_is_none_where_it_may_be():
    read = DueIn.read({"due": " 2030-12-31 ", "until": "  "})
    assert (read.due, read.until) == (date(2030, 12, 31), None)
    assert DueIn.read({"due": date(2031, 1, 1), "until": None}).due == date(2031, 1, 1)
    assert DueIn.read({"due": "2028-02-29"}).due == date(2028, 2, 29)


def test_a_day_left_out_is_asked_for():
    with pytest.raises(InvalidInput) as refused:
        DueIn.read({})
    assert refused.value.errors == {"due": "Fill in this field."}
