"""Writing comparisons: worked out when an opinion is signed, reviewed by a coordinator
where the specialist's own assessment and the rules disagree."""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role
from consilium.audit.trail import record
from consilium.cases.actions import add_event
from consilium.cases.models import EventKind
from consilium.errors import InvalidInput, NotAllowed
from consilium.opinions.models import Opinion
from consilium.terminology.models import Icd10Code

from .concordance import (
    Code,
    Concordance,
    DiagnosisConcordance,
    TreatmentConcordance,
    clinical_impact,
    compare,
)
from .models import Comparison

NOTE_LIMIT = 2000


def codes(values: list[str]) -> list[Code]:
    """ICD-10-CM codes with their titles, blocks and chapters, in one query."""
    known = {row["code"]: row for row in Icd10Code.objects.filter(code__in=values).values(
        "code", "description", "block", "chapter")}
    return [Code(v, known[v]["description"], known[v]["block"], known[v]["chapter"])
            if v in known else Code(v) for v in values]


def concordance_of(opinion: Opinion) -> Concordance:
    """The comparison of a (signed) opinion with the first opinion of its case."""
    case = opinion.consultation.case
    return compare(first_codes=codes(case.diagnosis_codes or []),
                   second_codes=codes(opinion.diagnosis_codes or []),
                   first_treatment=case.treatment_category,
                   second_treatment=opinion.treatment_category,
                   diagnosis_agreement=opinion.diagnosis_agreement,
                   treatment_agreement=opinion.treatment_agreement)


def do_record_comparison(opinion: Opinion, *, acting_user) -> Comparison:
    """Store the comparison of an opinion being signed (inside the signing transaction);
    coordinators are asked to review it when the specialist and the rules disagree."""
    found = concordance_of(opinion)
    case = opinion.consultation.case
    comparison = Comparison.objects.create(
        opinion=opinion, case=case, automatic_diagnosis=found.diagnosis,
        automatic_treatment=found.treatment, diagnosis=found.diagnosis,
        treatment=found.treatment, impact=found.impact, reasons=found.reasons,
        review=found.review)
    record(acting_user, "comparison.create", comparison, case_id=case.id)
    if found.review:
        add_event(case, EventKind.REVIEW_ASKED, acting_user)
        notify_role(Role.COORDINATOR, "A comparison of opinions needs your review")
    return comparison


def do_review_comparison(comparison: Comparison, *, diagnosis: str, treatment: str,
                         note: str, acting_user) -> Comparison:
    """A coordinator settles the concordance that stands (the automatic one, the
    specialist's, or their own reading); the impact follows from it."""
    if acting_user.role != Role.COORDINATOR:
        raise NotAllowed("Only the program's coordinators review comparisons.")
    errors = {}
    if diagnosis not in DiagnosisConcordance.values:
        errors["diagnosis"] = "Choose confirmed, refined or distinctly different."
    if treatment not in TreatmentConcordance.values:
        errors["treatment"] = "Choose same, modified or changed."
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        errors["note"] = f"Keep the note under {NOTE_LIMIT:,} characters."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        current = Comparison.objects.select_for_update().get(pk=comparison.pk)
        current.diagnosis, current.treatment = diagnosis, treatment
        current.impact = clinical_impact(diagnosis, treatment)
        current.review_note, current.reviewed_by = note, acting_user
        current.reviewed_at = timezone.now()
        current.save()
        add_event(current.case, EventKind.COMPARISON_REVIEWED, acting_user)
        record(acting_user, "comparison.review", current, case_id=current.case_id)
    return current
