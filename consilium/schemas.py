"""Declared input: one schema per action, the same for the page, the API and commands.

An action reads its input with ``SomeIn.read(data)``: ``data`` is a dict (from a page's form,
a command, a test) or the schema itself (the API's payload, already checked by django-ninja).
A bad value raises ``InvalidInput({field: message})``, the message in our words: a field says
what its failures read with ``says(...)``, checks of our own raise ``refuse(...)``, and
pydantic's own constraints are reworded by ``REWORDED``. Because the schema is the API's
payload, the OpenAPI spec shows each choice as an enum and each limit as a maximum.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, NoReturn, Self, TypeVar

from annotated_types import GroupedMetadata
from django.db.models import TextChoices
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    WrapValidator,
    create_model,
)
from pydantic_core import PydanticCustomError

from consilium.errors import InvalidInput
from consilium.forms import LARGEST_ID, object_id

# pydantic's built-in refusals, in the words our pages use (ctx fills the braces).
REWORDED = {
    "missing": "Fill in this field.",
    "string_type": "Write this as text.",
    "string_too_long": "Keep this under {max_length:,} characters.",
    "too_long": "Give at most {max_length} of these.",
}
SHOWN = 40  # how much of a refused value a message repeats


def refuse(message: str) -> NoReturn:
    """Refuse the value being validated with ``message`` (inside a validator)."""
    raise PydanticCustomError("invalid", "{message}", {"message": message})


def shown(value: Any) -> str:
    """A refused value as a message quotes it, cut short (a megabyte is no message)."""
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def says(message: str | Callable[[Any], str], *, on: tuple[str, ...] = ()) -> WrapValidator:
    """Any failure of the field (or only failures of the pydantic error types ``on``) reads
    ``message``; a callable gets the value sent. The JSON schema stays the inner type's."""

    def reword(value, handler):
        try:
            return handler(value)
        except ValidationError as error:
            if on and any(e["type"] not in on for e in error.errors()):
                raise
            refuse(message(value) if callable(message) else message)

    return WrapValidator(reword)


def blank_as(default: Any) -> BeforeValidator:
    """None and "" (an empty form field, JSON null) mean ``default``."""
    return BeforeValidator(lambda value: default if value is None or value == "" else value)


@dataclass(frozen=True)
class FreeText(GroupedMetadata):
    """``Annotated[str, FreeText(300)]``: stripped, at most ``limit`` characters; null reads
    as "". (Metadata, not a type of its own, so type checkers read the field as a str.
    Constraints come right after the type, or pydantic checks them apart, in other words.)"""

    limit: int

    def __iter__(self) -> Iterator[Any]:
        yield from StringConstraints(strip_whitespace=True, max_length=self.limit)
        yield blank_as("")


@dataclass(frozen=True)
class OneOf(GroupedMetadata):
    """``Annotated[Confidence | None, OneOf(Confidence)]``: one of a model's choices (an enum
    in the spec), or none: "" and null read as None."""

    choices: type[TextChoices]

    def __iter__(self) -> Iterator[Any]:
        yield blank_as(None)
        yield says("Choose one of: " + ", ".join(self.choices.values))


def written(message: str) -> AfterValidator:
    """A text that must say something (only spaces are nothing): after ``FreeText``."""

    def check(text: str) -> str:
        if not text:
            refuse(message)
        return text

    return AfterValidator(check)


ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_day(value: Any) -> date | None:
    """A day written YYYY-MM-DD, spaces around it dropped (nothing, or only spaces, is
    None), or a date already; not 31/12/2030, 2030-02-30, 20301231, a time or a number."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if ISO_DAY.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass  # no such day: 30 February
    refuse("Not a day.")


@dataclass(frozen=True)
class Day(GroupedMetadata):
    """``Annotated[date | None, Day("Give the date as YYYY-MM-DD.")]``: a day written
    YYYY-MM-DD (or none: "", spaces, null); anything else reads ``message``. A required
    day is ``Annotated[date, Day(...)]``: none is refused in the same words."""

    message: str

    def __iter__(self) -> Iterator[Any]:
        yield BeforeValidator(_iso_day)
        yield says(self.message)


def _as_object_id(value):
    number = object_id(value)
    if number is None:
        refuse("Not a known number.")
    return number


# A row's key: plain digits or a whole number, 1 to the largest key (no booleans, no "²").
ObjectId = Annotated[int, Field(ge=1, le=LARGEST_ID), BeforeValidator(_as_object_id)]


def field_errors(error: ValidationError) -> dict[str, str]:
    """A message per field (the first of each), keyed as the API keys them."""
    messages: dict[str, str] = {}
    for item in error.errors():
        messages.setdefault(field_name(item["loc"]), reworded(item))
    return messages


def field_name(location) -> str:
    """``questions.2`` for the third question; ``body`` for the whole input."""
    return ".".join(str(part) for part in location if part not in ("body", "payload")) or "body"


def reworded(item: Mapping[str, Any]) -> str:
    """One pydantic error in our words."""
    template = REWORDED.get(item["type"])
    return template.format(**item.get("ctx", {})) if template else item["msg"]


class InputSchema(Schema):
    """An action's declared input (unknown fields are ignored, as everywhere in the API)."""

    @classmethod
    def read(cls, data: "dict | InputSchema") -> Self:
        """``data`` checked against the schema, or InvalidInput naming each bad field."""
        if isinstance(data, cls):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise InvalidInput(field_errors(error)) from None

    def given(self) -> dict:
        """The fields the client sent (a change names only what changes)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


Change = TypeVar("Change", bound=InputSchema)


def every_field_optional(schema: type[InputSchema]) -> Callable[[type[Change]], type[Change]]:
    """A class decorator: the class becomes ``schema`` for a change, each field of it may be
    left out (and keeps its value), and what is sent is checked by the same rules (``given()``
    says what was sent). Type checkers see the class as declared: read it through given()."""

    def optional(change: type[Change]) -> type[Change]:
        fields: dict[str, Any] = {
            field: (Annotated[(info.annotation, *info.metadata)] if info.metadata
                    else info.annotation, Field(None, description=info.description))
            for field, info in schema.model_fields.items()
        }
        return create_model(change.__name__, __base__=change, __doc__=change.__doc__,
                            __module__=change.__module__, **fields)

    return optional
