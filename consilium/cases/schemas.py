"""The first opinion as the patient tells it, declared once: the case form, the API's
``POST /cases`` and ``PATCH /cases/{id}``, and ``do_create_case``/``do_update_case`` read it
with these schemas (consilium/schemas.py says how)."""

from datetime import date
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator, Field, StringConstraints

from consilium.directory import geo
from consilium.schemas import (
    FreeText,
    InputSchema,
    ObjectId,
    blank_as,
    every_field_optional,
    refuse,
    says,
    written,
)
from consilium.terminology.schemas import Icd10Codes
from consilium.triage.models import InsurancePlan

from .models import TreatmentCategory

MAX_QUESTIONS = 20
QUESTION_LIMIT = 2000


def _said(text: str) -> str:
    if not text:
        refuse("Say what the first doctor diagnosed, in your own words.")
    return text


def _not_future(when: date | None) -> date | None:
    if when and when > timezone.localdate():
        refuse("The first opinion cannot be in the future.")
    return when


def _questions(questions: list[str]) -> list[str]:
    """One question per item; empty ones are dropped."""
    asked = [question.strip() for question in questions if question.strip()]
    if len(asked) > MAX_QUESTIONS:
        refuse(f"Ask at most {MAX_QUESTIONS} questions.")
    if any(len(question) > QUESTION_LIMIT for question in asked):
        refuse(f"Keep each question under {QUESTION_LIMIT} characters.")
    return asked


def _place(place: str) -> str:
    try:
        if place:
            geo.parse_place(place)
    except geo.UnknownPlace:
        refuse("Give a US ZIP code, or latitude,longitude.")
    return place


def _listed_plan(plan_id: int | None) -> int | None:
    if plan_id is not None and not InsurancePlan.objects.filter(id=plan_id).exists():
        refuse("Choose one of the listed plans.")
    return plan_id


DiagnosisText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300),
                          blank_as(""), AfterValidator(_said)]
Category = Annotated[TreatmentCategory, says("Choose the kind of treatment that was proposed.")]
FirstOpinionDate = Annotated[date | None, blank_as(None), says("Give the date as YYYY-MM-DD."),
                             AfterValidator(_not_future)]
Questions = Annotated[list[str], blank_as([]), AfterValidator(_questions),
                      Field(description=f"At most {MAX_QUESTIONS}, each under "
                                        f"{QUESTION_LIMIT} characters")]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), blank_as(""),
                  AfterValidator(_place), Field(description="A US ZIP code or latitude,longitude")]
TravelKm = Annotated[int, Field(ge=1, le=5000), blank_as(150),
                     says("Give a distance between 1 and 5000 km.")]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^([a-z]{2,3})?$"),
    blank_as(""), says("Give a two-letter language code, such as en or es."),
]
PlanId = Annotated[ObjectId | None, blank_as(None), says("Choose one of the listed plans."),
                   AfterValidator(_listed_plan)]


class CaseIn(InputSchema):
    """A new case's first opinion: what was diagnosed and proposed, and what matching needs
    (where the patient is, how far they would travel, their language and plan)."""

    diagnosis_text: DiagnosisText
    treatment_category: Category
    diagnosis_codes: Icd10Codes = []
    treatment_description: Annotated[str, FreeText(5000)] = ""
    diagnosing_physician: Annotated[str, FreeText(200)] = ""
    institution: Annotated[str, FreeText(200)] = ""
    hospital_system: Annotated[str, FreeText(200)] = ""
    first_opinion_date: FirstOpinionDate = None
    symptoms: Annotated[str, FreeText(5000)] = ""
    concerns: Annotated[str, FreeText(5000)] = ""
    goals: Annotated[str, FreeText(5000)] = ""
    patient_location: Place = ""
    travel_km: TravelKm = 150
    patient_language: Language = "en"
    insurance_plan_id: PlanId = None
    questions: Questions = []


@every_field_optional(CaseIn)
class CasePatch(InputSchema):
    """A change to the first opinion: only the fields sent change."""


INTAKE_LIMIT = 5000
KEY_QUESTION_NEEDED = "Say in a sentence what the specialist is asked to answer."


class IntakeIn(InputSchema):
    """The coordinator's case summary for the specialist (``do_save_intake_summary``): the
    key question is required, the rest may be left empty while it is not known."""

    history: Annotated[str, FreeText(INTAKE_LIMIT)] = ""
    key_question: Annotated[str, FreeText(INTAKE_LIMIT), written(KEY_QUESTION_NEEDED)]
    records_show: Annotated[str, FreeText(INTAKE_LIMIT)] = ""
    missing: Annotated[str, FreeText(INTAKE_LIMIT)] = ""
