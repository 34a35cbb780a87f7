"""An appointment's time and place, declared once: the appointment form hands its values to
``do_schedule_appointment``/``do_reschedule_appointment``, which read them with
``AppointmentIn`` (consilium/schemas.py says how). The start is read in the time zone given."""

from datetime import datetime, timedelta
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from consilium.accounts.schemas import TimeZone
from consilium.forms import whole_number
from consilium.schemas import FreeText, InputSchema, refuse, says

from .models import Kind

Length = Literal[15, 30, 45, 60, 90]  # minutes
MINUTES: tuple[int, ...] = get_args(Length)
PLACE_LIMIT = 500
FURTHEST = timedelta(days=365)


def _video_set_up(kind: Kind) -> Kind:
    if kind == Kind.VIDEO and not settings.VIDEO_URL_TEMPLATE:
        refuse("This program has no video service set up; choose in person.")
    return kind


def _digits(value):
    """A form's "30" is the number 30."""
    return whole_number(value, maximum=max(MINUTES)) if isinstance(value, str) else value


AppointmentKind = Annotated[Kind, says("Choose a video call or an appointment in person."),
                            AfterValidator(_video_set_up)]
Minutes = Annotated[Length,
                    says("Choose how long: " + ", ".join(map(str, MINUTES)) + " minutes."),
                    BeforeValidator(_digits)]
Place = Annotated[str, FreeText(PLACE_LIMIT)]


class AppointmentIn(InputSchema):
    """When and how: a video call or in person (with the address), its start in the patient's
    time zone, and how long it takes."""

    kind: AppointmentKind
    time_zone: TimeZone
    starts_at: Annotated[datetime, says("Give the date and time the appointment starts.")] = \
        Field(description="Local time in time_zone, unless it names its own offset")
    minutes: Minutes = 30
    place: Place = Field("", validate_default=True)  # an address is asked of in person

    @field_validator("starts_at")
    @classmethod
    def _ahead(cls, start: datetime, info: ValidationInfo) -> datetime:
        """In the time zone given (when it is a known one), within the next year."""
        zone = info.data.get("time_zone")
        if zone is None:
            return start  # the time zone's own message says what is wrong
        if timezone.is_naive(start):
            start = start.replace(tzinfo=ZoneInfo(zone))
        if start <= timezone.now():
            refuse("Choose a time in the future.")
        if start > timezone.now() + FURTHEST:
            refuse("Choose a time within the next year.")
        return start

    @field_validator("place")
    @classmethod
    def _address(cls, place: str, info: ValidationInfo) -> str:
        """Only an appointment in person has a place, and it must have one."""
        if info.data.get("kind") != Kind.IN_PERSON:
            return ""
        if not place:
            refuse("Give the address where the patient should come.")
        return place

    def fields(self) -> dict:
        """The appointment's columns."""
        return self.model_dump()
