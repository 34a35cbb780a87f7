"""The rules' tables agree with the types the schema declares from them."""

from typing import get_args

from consilium.triage.rules import SITUATIONS, Situation


def test_each_situation_the_schema_accepts_is_worded_for_the_page_in_its_order():
    assert list(SITUATIONS) == list(get_args(Situation))
