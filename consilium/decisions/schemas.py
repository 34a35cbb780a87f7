"""The decision and the decision aid's input, declared once (consilium/schemas.py says how):
``do_record_decision`` reads ``DecisionIn`` (the API's payload too), the aid's page and
``do_save_decision_aid`` read ``DecisionAidIn``. Every part of the aid is optional: a page's
section sends only its own fields, and only what is sent changes."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, ValidationError, WrapValidator

from consilium.schemas import FreeText, InputSchema, blank_as, refuse, says

from . import aid
from .models import Choice, DecisionRole, Pressure

TEXT_LIMIT = 5000
EXPLANATION_LIMIT = 5000
OWN_LIMIT = 80
OPTION_KEY_LIMIT = 40  # "first", "o" and an option's id, "r" and an opinion's

if TYPE_CHECKING:  # mypy reads no Literal built from a tuple; the spec's enums come from these
    Criterion = str
    SureItem = str
else:
    Criterion = Literal[tuple([*aid.CRITERIA, *aid.OWN])]
    SureItem = Literal[tuple(aid.SURE)]
Scale = Annotated[int, Field(ge=min(aid.SCALE), le=max(aid.SCALE))]


def _answered(value: Any) -> Any:
    """An empty answer on the scale ("" or null) is left out, not refused."""
    if isinstance(value, dict):
        return {key: answer for key, answer in value.items() if answer not in (None, "")}
    return value


def _scale_words(value, handler):
    """A point the aid does not have is named; any other failure is the scale's."""
    try:
        return handler(value)
    except ValidationError as error:
        for item in error.errors():
            if item["loc"] and item["loc"][-1] == "[key]":
                refuse(f"Unknown point: {str(item['input'])[:OWN_LIMIT]}.")
        refuse("Use whole numbers from 0 to 10.")


# {criterion: 0..10}: how much each point matters, or how well an option does on it.
Weights = Annotated[dict[Criterion, Scale], WrapValidator(_scale_words),
                    BeforeValidator(_answered)]
OptionKey = Annotated[str, StringConstraints(max_length=OPTION_KEY_LIMIT)]
Ratings = Annotated[dict[OptionKey, Weights], blank_as({})]
OwnPoint = Annotated[str, FreeText(OWN_LIMIT)]
OwnCriteria = Annotated[
    list[OwnPoint], Field(max_length=len(aid.OWN)),
    says(f"Give at most {len(aid.OWN)} points of your own.", on=("too_long",)),
    says(f"Keep each of your own points under {OWN_LIMIT} characters.", on=("string_too_long",)),
]
AidText = Annotated[str, FreeText(TEXT_LIMIT)]
Role = Annotated[DecisionRole | None, blank_as(None), says("Choose one of the answers.")]
PressureFelt = Annotated[Pressure | None, blank_as(None), says("Choose one of the answers.")]
DecideBy = Annotated[date | None, blank_as(None), says("Give a date, such as 2026-12-31.")]
Sure = Annotated[dict[SureItem, bool], blank_as({}),
                 says("Answer the four questions of the SURE test.")]


class DecisionIn(InputSchema):
    """What the patient decided after reading both opinions, and why (optional)."""

    choice: Annotated[Choice, says("Choose what you decided.")]
    explanation: Annotated[str, FreeText(EXPLANATION_LIMIT)] = ""


class DecisionAidIn(InputSchema):
    """The patient's work on the decision aid: when and how they decide, the points that
    matter to them (up to three of their own) and how much, how each option does on them,
    their support, the pressure they feel, the SURE test and their next steps. Which options
    a rating may name depends on the case; the action checks that."""

    decide_by: DecideBy = None
    role: Role = None
    own_criteria: OwnCriteria = []
    weights: Weights = {}
    ratings: Ratings = {}
    support: AidText = ""
    pressure: PressureFelt = None
    sure: Sure = {}
    next_steps: AidText = ""
