"""Turning a self-assessment into a draft case ("Start my case")."""

from consilium.cases.actions import do_create_case
from consilium.terminology.models import Icd10Code

from .assessment import clean, evaluate
from .schemas import AssessmentIn

# The assessment's treatment values that a case does not have.
CASE_TREATMENT = {"none": "other", "": "other"}


def do_start_case_from_assessment(data: dict | AssessmentIn, *, acting_user, key: str = ""):
    """Create a draft case with the diagnosis, treatment, questions and records checklist.
    ``key``: the "Start my case" form's one-time key (do_create_case runs once per key)."""
    answers = AssessmentIn.read(data)
    facts = clean(answers)
    result = evaluate(facts)
    codes = facts.codes
    text = answers.diagnosis_text
    if not text and codes:
        text = Icd10Code.objects.get(code=codes[0]).description
    treatment = facts.treatment
    return do_create_case(
        {
            "diagnosis_text": text or "Diagnosis to be added",
            "diagnosis_codes": codes,
            "treatment_category": CASE_TREATMENT.get(treatment, treatment),
            "treatment_description": answers.procedure,
            "questions": result["questions"],
        },
        checklist=result["records_checklist"],
        acting_user=acting_user, key=key,
    )
