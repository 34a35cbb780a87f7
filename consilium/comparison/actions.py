"""Writing comparisons: worked out when an opinion is signed, reviewed by a coordinator
where the specialist's own assessment and the rules disagree; and the third opinion that a
major difference suggests."""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role
from consilium.audit.trail import record
from consilium.cases.actions import add_event, locked_case, move_case
from consilium.cases.models import Case, EventKind, Question, Status
from consilium.consultations import clock
from consilium.opinions.models import Opinion
from consilium.records.actions import carry_over_records
from consilium.submissions.once import Once
from consilium.terminology.models import Icd10Code
from consilium.terminology.search import everyday_name

from .concordance import Code, Concordance, clinical_impact, compare
from .models import Comparison
from .policy import policy
from .schemas import ReviewIn


def codes(values: list[str]) -> list[Code]:
    """ICD-10-CM codes with their titles, blocks and chapters, in one query."""
    known = {row["code"]: row for row in Icd10Code.objects.filter(code__in=values).values(
        "code", "description", "block", "chapter")}
    return [Code(v, known[v]["description"], known[v]["block"], known[v]["chapter"],
                 everyday_name(v))
            if v in known else Code(v, everyday=everyday_name(v)) for v in values]


def concordance_of(opinion: Opinion) -> Concordance:
    """The comparison of a (signed) opinion with the first opinion of its case: the
    treatments by their kinds and words (the specialist's recommendation and the options
    they recommend, not those they only discuss)."""
    case = opinion.consultation.case
    recommended = [o.title for o in opinion.options.all() if o.recommended]
    return compare(first_codes=codes(case.diagnosis_codes or []),
                   second_codes=codes(opinion.diagnosis_codes or []),
                   first_treatment=case.treatment_category,
                   second_treatment=opinion.treatment_category,
                   first_treatment_words=case.treatment_description,
                   second_treatment_words="\n".join([opinion.treatment_description,
                                                      *recommended]),
                   diagnosis_agreement=opinion.diagnosis_agreement,
                   treatment_agreement=opinion.treatment_agreement)


@transaction.atomic  # its own transaction when called alone; a savepoint in signing
def do_record_comparison(opinion: Opinion, *, acting_user) -> Comparison:
    """Store the comparison of an opinion being signed (inside the signing transaction);
    coordinators are asked to review it when the specialist and the rules disagree."""
    found = concordance_of(opinion)
    consultation = opinion.consultation
    case = consultation.case
    signed = timezone.localdate(opinion.signed_at or timezone.now())
    start = clock.started_on(consultation)
    comparison = Comparison.objects.create(
        opinion=opinion, case=case, automatic_diagnosis=found.diagnosis,
        automatic_treatment=found.treatment, diagnosis=found.diagnosis,
        treatment=found.treatment, impact=found.impact, reasons=found.reasons,
        review=found.review, disputed=found.disputed, specialty=consultation.specialist.specialty,
        specialist_id=consultation.specialist_id, month=signed.strftime("%Y-%m"),
        turnaround_days=clock.business_days_between(start, signed) if start else None,
        on_time=signed <= consultation.due_date if consultation.due_date else None)
    record(acting_user, "comparison.create", comparison, case_id=case.id)
    if found.review:
        add_event(case, EventKind.REVIEW_ASKED, acting_user)
        notify_role(Role.COORDINATOR, "A comparison of opinions needs your review", case)
    return comparison


def compare_signed_opinion(sender, *, opinion: Opinion, user, **kwargs) -> None:
    """An opinion was signed (consilium/opinions/signals.py): record its comparison."""
    do_record_comparison(opinion, acting_user=user)


def do_review_comparison(comparison: Comparison, *, diagnosis: str, treatment: str,
                         note: str, acting_user) -> Comparison:
    """A coordinator settles the concordance that stands (the automatic one, the
    specialist's, or their own reading); the impact follows from it. Checked at once, and
    again on the locked case in the transaction (the case first, then its comparison)."""
    policy.check(acting_user, comparison.case, "review")
    review = ReviewIn.read({"diagnosis": diagnosis, "treatment": treatment, "note": note})
    diagnosis, treatment, note = review.diagnosis, review.treatment, review.note
    with transaction.atomic():
        case = locked_case(comparison.case, "review", user=acting_user, policy=policy)
        current = Comparison.objects.select_for_update().get(pk=comparison.pk)
        current.diagnosis, current.treatment = diagnosis, treatment
        current.impact = clinical_impact(diagnosis, treatment)
        current.review_note, current.reviewed_by = note, acting_user
        current.reviewed_at = timezone.now()
        current.save()
        add_event(case, EventKind.COMPARISON_REVIEWED, acting_user)
        record(acting_user, "comparison.review", current, case_id=current.case_id)
    return current


# What a third opinion takes over from the case before it: the first opinion, the patient's
# words, and what matching needs to know.
CARRIED = ("diagnosis_text", "diagnosis_codes", "treatment_category", "treatment_description",
           "diagnosing_physician", "institution", "hospital_system", "first_opinion_date",
           "symptoms", "concerns", "goals", "patient_location", "travel_km",
           "patient_language", "insurance_plan_id", "checklist")
def do_request_third_opinion(case: Case, *, acting_user, key: str = "") -> Case:
    """Open a linked case for a third opinion: the first opinion, questions and records
    carried over, submitted at once; matching then avoids the hospital systems of both
    earlier opinions (consultations.matching.systems_to_avoid follows the link). ``key``: the
    request's one-time key (the same key again returns the first third-opinion case)."""
    once = Once(acting_user, key, Case)
    if (done := once.done()) is not None:
        return done
    with transaction.atomic():
        # Locked by hand, not with locked_case: a repeat of this request (its one-time key)
        # answers with the case it made, which the policy would now refuse (one is asked for).
        current = Case.objects.select_for_update().get(id=case.id)
        if (done := once.earlier()) is not None:
            return done
        policy.check(acting_user, current, "third_opinion")
        third = Case.objects.create(patient_id=current.patient_id, earlier_case=current,
                                    **{f: getattr(current, f) for f in CARRIED})
        Question.objects.bulk_create(Question(case=third, position=q.position, text=q.text)
                                     for q in current.questions.all())
        add_event(third, EventKind.CREATED, acting_user, to_status=Status.DRAFT,
                  note="Third opinion")
        move_case(third, Status.SUBMITTED, acting_user)
        carry_over_records(current, third, acting_user=acting_user)
        add_event(current, EventKind.THIRD_OPINION, acting_user)
        record(acting_user, "case.create", third, case_id=third.id)
        once.made(third)
    notify_role(Role.COORDINATOR, "A third opinion was asked for", third)
    return third
