"""Writing, saving and signing the specialist's opinion."""

from django.db import transaction
from django.utils import timezone

from consilium.accounts.notify import notify_users
from consilium.audit.trail import record
from consilium.cases.actions import add_event, clean_icd10_codes, move_case
from consilium.cases.models import Case, EventKind, Status
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import Conflict, InvalidInput, NotAllowed

from .models import Answer, DiagnosisAgreement, Opinion, TreatmentAgreement

TEXT_FIELDS = ("diagnosis_comment", "treatment_description", "further_tests", "reasoning")
TEXT_LIMIT = 20000


def _clean(data: dict, question_ids: set[int]) -> tuple[dict, dict[int, str]]:
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for field in TEXT_FIELDS:
        if field in data:
            cleaned[field] = (data[field] or "").strip()
            if len(cleaned[field]) > TEXT_LIMIT:
                errors[field] = f"Keep this under {TEXT_LIMIT} characters."
    choices = (
        ("diagnosis_agreement", DiagnosisAgreement),
        ("treatment_agreement", TreatmentAgreement),
    )
    for field, values in choices:
        if field in data:
            value = data[field] or ""
            if value and value not in values.values:
                errors[field] = "Choose one of: " + ", ".join(values.values)
            cleaned[field] = value
    if "diagnosis_codes" in data:
        cleaned["diagnosis_codes"] = clean_icd10_codes(
            data["diagnosis_codes"], "diagnosis_codes", errors
        )
    answers: dict[int, str] = {}
    for key, text in (data.get("answers") or {}).items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            question_id = None
        if question_id not in question_ids:
            errors["answers"] = "An answer refers to a question this case does not have."
            continue
        answers[question_id] = (text or "").strip()
    if errors:
        raise InvalidInput(errors)
    return cleaned, answers


def _load_for_writing(consultation: Consultation, user) -> Opinion:
    if consultation.specialist.user_id != user.id:
        raise NotAllowed("Only the specialist who accepted the case can write its opinion.")
    current = Consultation.objects.select_for_update().get(id=consultation.id)
    if current.status != ConsultationStatus.ACCEPTED:
        raise Conflict("The opinion can be written only while the consultation is accepted.")
    opinion, _ = Opinion.objects.get_or_create(consultation=current)
    if opinion.is_signed:
        raise Conflict("The opinion is signed and can no longer be changed.")
    return opinion


def do_save_opinion(consultation: Consultation, data: dict, *, acting_user) -> Opinion:
    """Save a draft; the first save puts the case in review."""
    question_ids = set(consultation.case.questions.values_list("id", flat=True))
    cleaned, answers = _clean(data, question_ids)
    with transaction.atomic():
        opinion = _load_for_writing(consultation, acting_user)
        for field, value in cleaned.items():
            setattr(opinion, field, value)
        opinion.updated_at = timezone.now()
        opinion.save()
        for question_id, text in answers.items():
            Answer.objects.update_or_create(
                opinion=opinion, question_id=question_id, defaults={"text": text}
            )
        case = Case.objects.select_for_update().get(id=consultation.case_id)
        if case.status == Status.SPECIALIST_ASSIGNED:
            move_case(case, Status.IN_REVIEW, acting_user)
        record(acting_user, "opinion.save", opinion, case_id=case.id)
    return opinion


def missing_for_signing(opinion: Opinion, question_ids: list[int]) -> dict[str, str]:
    errors = {}
    if not opinion.diagnosis_agreement:
        errors["diagnosis_agreement"] = "Say whether you agree with the diagnosis."
    if opinion.diagnosis_agreement in (DiagnosisAgreement.REFINE, DiagnosisAgreement.DISAGREE):
        if not opinion.diagnosis_comment:
            errors["diagnosis_comment"] = "Explain how your diagnosis differs."
    if not opinion.treatment_agreement:
        errors["treatment_agreement"] = "Say whether you agree with the proposed treatment."
    if opinion.treatment_agreement in (TreatmentAgreement.MODIFY, TreatmentAgreement.ALTERNATIVE):
        if not opinion.treatment_description:
            errors["treatment_description"] = "Describe the treatment you recommend."
    if not opinion.reasoning:
        errors["reasoning"] = "Give your reasoning."
    answered = {a.question_id for a in opinion.answers.all() if a.text}
    if set(question_ids) - answered:
        errors["answers"] = "Answer each of the patient's questions."
    return errors


def do_sign_opinion(consultation: Consultation, *, acting_user) -> Opinion:
    """Sign and lock the opinion; the case moves to opinion delivered."""
    with transaction.atomic():
        opinion = _load_for_writing(consultation, acting_user)
        question_ids = list(consultation.case.questions.values_list("id", flat=True))
        errors = missing_for_signing(opinion, question_ids)
        if errors:
            raise InvalidInput(errors)
        now = timezone.now()
        Opinion.objects.filter(pk=opinion.pk).update(signed_at=now, signed_by=acting_user)
        opinion.signed_at, opinion.signed_by = now, acting_user
        Consultation.objects.filter(id=consultation.id).update(
            status=ConsultationStatus.COMPLETED, completed_at=now
        )
        case = Case.objects.select_for_update().get(id=consultation.case_id)
        if case.status == Status.SPECIALIST_ASSIGNED:
            move_case(case, Status.IN_REVIEW, acting_user)
        move_case(case, Status.OPINION_DELIVERED, acting_user)
        add_event(case, EventKind.OPINION_SIGNED, acting_user, note=consultation.specialist.name)
        record(acting_user, "opinion.sign", opinion, case_id=case.id)
    notify_users([case.patient_id], "Your second opinion is ready")
    return opinion
