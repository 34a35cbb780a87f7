"""pydantic's own refusals read in our words (consilium/schemas.py, REWORDED): a field left
out, and a value of the wrong JSON type, name the field in a plain sentence."""

from typing import Annotated

import pytest

from consilium.errors import InvalidInput
from consilium.schemas import REWORDED, FreeText, InputSchema


class NoteIn(InputSchema):
    text: Annotated[str, FreeText(20)]


@pytest.mark.parametrize("data, message", [
    ({}, "Fill in this field."),
    ({"text": 12}, "Write this as text."),
    ({"text": ["a", "list"]}, "Write this as text."),
    ({"text": "x" * 21}, "Keep this under 20 characters."),
])
def test_pydantic_s_refusals_are_reworded(data, message):
    with pytest.raises(InvalidInput) as refused:
        NoteIn.read(data)
    assert refused.value.errors == {"text": message}


def test_no_reworded_message_speaks_pydantic():
    for message in REWORDED.values():
        assert "Input should" not in message and "Field required" not in message


@pytest.mark.django_db
def test_a_missing_field_reads_the_same_through_the_api(api, users, journey):
    _, consultation = journey("opinion_delivered")
    answer = api(users["patient"], "POST",
                 f"/consultations/{consultation.id}/opinion/follow-ups", {})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"text": "Fill in this field."}
