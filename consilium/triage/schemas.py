"""The self-assessment's answers as a declared input: the page, the API and "Start my case"
read them with ``AssessmentIn.read``; every answer is optional."""

import re
from typing import Annotated

from django.conf import settings
from pydantic import AfterValidator, Field

from consilium.schemas import FreeText, InputSchema, ObjectId, blank_as, refuse, says, shown
from consilium.terminology.schemas import Icd10Codes

from .models import InsurancePlan
from .rules import SITUATIONS, TREATMENTS, Situation, Treatment

COUNTRY = re.compile(r"^[A-Z]{2}$")


def _unknown_treatment(value) -> str:
    return f"Unknown treatment {shown(value)}; use one of: " + ", ".join(TREATMENTS)


def _unknown_situation(value) -> str:
    names = value if isinstance(value, (dict, list)) else [value]
    unknown = sorted(str(name)[:40] for name in names if name not in SITUATIONS)
    if not unknown:
        return "Give the situation as a list of names, or names with true or false."
    return "Unknown situation: " + ", ".join(unknown)


def _true_flags(value: dict[str, bool] | list[str]) -> list[str]:
    """``{"flag": true, ...}`` or the list of the names that are true."""
    flags = [name for name, true in value.items() if true] if isinstance(value, dict) else value
    return sorted(set(flags))


def _country(value: str) -> str:
    country = (value or settings.DEFAULT_COUNTRY).strip().upper()
    if not COUNTRY.match(country):
        refuse(f"Give the country as a two-letter ISO code, not {shown(country)}.")
    return country


def _known_plan(plan_id: int | None) -> int | None:
    if plan_id is not None and not InsurancePlan.objects.filter(pk=plan_id).exists():
        refuse(f"Unknown insurance plan {shown(plan_id)}.")
    return plan_id


class AssessmentIn(InputSchema):
    """Someone's answers: what they were told, what was proposed, their situation, where they
    live and their insurance plan."""

    diagnosis_codes: Icd10Codes = []
    diagnosis_text: Annotated[str, FreeText(300)] = ""
    proposed_treatment: Annotated[Treatment | None, blank_as(None),
                                  says(_unknown_treatment)] = None
    procedure: Annotated[str, FreeText(300)] = ""
    situation: Annotated[dict[Situation, bool] | list[Situation], blank_as([]),
                         says(_unknown_situation), AfterValidator(_true_flags)] = []
    country: Annotated[str, Field(max_length=100), blank_as(""), AfterValidator(_country)] = Field(
        "", validate_default=True, description="A two-letter ISO code; the program's by default")
    insurance_plan: Annotated[ObjectId | None, blank_as(None),
                              says(lambda value: f"Unknown insurance plan {shown(value)}."),
                              AfterValidator(_known_plan)] = None

