"""Declared input of the accounts' own actions (see consilium/schemas.py)."""

from datetime import date
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from django.utils import timezone
from pydantic import AfterValidator, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from consilium.schemas import FreeText, InputSchema, OneOf, refuse, says, written

from .models import Role, Sex

NAME_LIMIT = 100
NUMBER_LIMIT = 40
ISSUER_LIMIT = 200
OLDEST = date(1900, 1, 1)


class IdentityIn(InputSchema):
    """Who the patient is, as their records name them: legal names, birth date, sex, and a
    record number with the institution that gave it (both or neither)."""

    given_names: Annotated[str, FreeText(NAME_LIMIT),
                           written("Write your given name (first name) as on your ID.")]
    family_name: Annotated[str, FreeText(NAME_LIMIT),
                           written("Write your family name (surname) as on your ID.")]
    birth_date: Annotated[date, says("Give your date of birth, for example 1961-03-04.")]
    sex: Annotated[Sex | None, OneOf(Sex)] = None
    record_number: Annotated[str, FreeText(NUMBER_LIMIT)] = ""
    record_number_issuer: Annotated[str, FreeText(ISSUER_LIMIT)] = Field(
        "", validate_default=True)

    @field_validator("birth_date")
    @classmethod
    def _plausible(cls, born: date) -> date:
        if born > timezone.localdate():
            refuse("The date of birth is in the future; check the year.")
        if born < OLDEST:
            refuse("Check the year of birth.")
        return born

    @field_validator("record_number_issuer")
    @classmethod
    def _number_with_its_institution(cls, issuer: str, info: ValidationInfo) -> str:
        """A number means something only with the place that gave it: both, or neither."""
        number = info.data.get("record_number", "")
        if number and not issuer:
            refuse("Name the hospital or practice that gave this number.")
        if issuer and not number:
            refuse("Give the number too, or leave both empty.")
        return issuer


class RoleIn(InputSchema):
    """A role an administrator gives a user: one of the program's roles."""

    role: Annotated[Role, says("Choose one of the roles: " + ", ".join(Role.values) + ".")]


@cache
def known_zones() -> frozenset[str]:
    """The IANA time zone names this system knows (its tzdata)."""
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in known_zones():
        refuse("Choose a time zone from the list.")
    return name


TimeZone = Annotated[str, says("Choose a time zone from the list."),
                     AfterValidator(_known_zone),
                     Field(description="An IANA time zone name, such as America/Denver")]


class TimeZoneIn(InputSchema):
    """The time zone a user reads times in; empty for the program's own."""

    time_zone: Annotated[str, says("Choose a time zone from the list.")] = ""

    @field_validator("time_zone")
    @classmethod
    def _known_or_empty(cls, name: str) -> str:
        return _known_zone(name) if name else ""
