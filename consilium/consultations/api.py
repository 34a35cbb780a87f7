from datetime import date, datetime
from uuid import UUID

from ninja import Router, Schema

from consilium.opinions.access import access_opinion_by_consultation_id
from consilium.opinions.actions import do_save_opinion, do_sign_opinion

from .access import access_consultation_by_id
from .actions import do_accept_consultation, do_decline_consultation
from .models import Consultation

router = Router(tags=["consultations"])


class ConsultationOut(Schema):
    id: UUID
    case_id: UUID
    specialist_id: int
    specialist_name: str
    status: str
    offered_at: datetime
    responded_at: datetime | None
    due_date: date | None
    decline_reason: str


def consultation_out(consultation: Consultation) -> dict:
    return {
        "id": consultation.id,
        "case_id": consultation.case_id,
        "specialist_id": consultation.specialist_id,
        "specialist_name": consultation.specialist.name,
        "status": consultation.status,
        "offered_at": consultation.offered_at,
        "responded_at": consultation.responded_at,
        "due_date": consultation.due_date,
        "decline_reason": consultation.decline_reason,
    }


class DeclineIn(Schema):
    reason: str


class AnswerIn(Schema):
    question_id: int
    text: str


class AnswerOut(Schema):
    question_id: int
    text: str


class OpinionIn(Schema):
    diagnosis_agreement: str | None = None
    diagnosis_codes: list[str] | None = None
    diagnosis_comment: str | None = None
    treatment_agreement: str | None = None
    treatment_description: str | None = None
    further_tests: str | None = None
    reasoning: str | None = None
    answers: list[AnswerIn] | None = None


class OpinionOut(Schema):
    consultation_id: UUID
    status: str
    diagnosis_agreement: str
    diagnosis_codes: list[str]
    diagnosis_comment: str
    treatment_agreement: str
    treatment_description: str
    further_tests: str
    reasoning: str
    answers: list[AnswerOut]
    updated_at: datetime | None
    signed_at: datetime | None


def opinion_out(consultation, opinion) -> dict:
    if opinion is None:
        return {
            "consultation_id": consultation.id, "status": "not_started",
            "diagnosis_agreement": "", "diagnosis_codes": [], "diagnosis_comment": "",
            "treatment_agreement": "", "treatment_description": "", "further_tests": "",
            "reasoning": "", "answers": [], "updated_at": None, "signed_at": None,
        }
    return {
        "consultation_id": consultation.id,
        "status": "signed" if opinion.is_signed else "draft",
        **{f: getattr(opinion, f) for f in (
            "diagnosis_agreement", "diagnosis_codes", "diagnosis_comment",
            "treatment_agreement", "treatment_description", "further_tests", "reasoning",
            "updated_at", "signed_at",
        )},
        "answers": [{"question_id": a.question_id, "text": a.text} for a in opinion.answers.all()],
    }


@router.get("/{consultation_id}", response=ConsultationOut)
def get_consultation(request, consultation_id: str):
    return consultation_out(access_consultation_by_id(request.user, consultation_id))


@router.post("/{consultation_id}/accept", response=ConsultationOut)
def accept(request, consultation_id: str):
    """Accept the offered case (the specialist it was offered to)."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(do_accept_consultation(consultation, acting_user=request.user))


@router.post("/{consultation_id}/decline", response=ConsultationOut)
def decline(request, consultation_id: str, payload: DeclineIn):
    """Decline the offered case with a reason, so the coordinator can offer it to another."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(
        do_decline_consultation(consultation, payload.reason, acting_user=request.user)
    )


@router.get("/{consultation_id}/opinion", response=OpinionOut)
def get_opinion(request, consultation_id: str):
    """The opinion: its author sees drafts; others see it once signed."""
    consultation, opinion = access_opinion_by_consultation_id(request.user, consultation_id)
    return opinion_out(consultation, opinion)


@router.put("/{consultation_id}/opinion", response=OpinionOut)
def save_opinion(request, consultation_id: str, payload: OpinionIn):
    """Save the draft opinion; fields left out keep their value."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    data = payload.dict(exclude_unset=True)
    if "answers" in data:
        data["answers"] = {a["question_id"]: a["text"] for a in data["answers"] or []}
    opinion = do_save_opinion(consultation, data, acting_user=request.user)
    return opinion_out(consultation, opinion)


@router.post("/{consultation_id}/opinion/sign", response=OpinionOut)
def sign_opinion(request, consultation_id: str):
    """Sign the opinion; it is locked and delivered to the patient."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    opinion = do_sign_opinion(consultation, acting_user=request.user)
    return opinion_out(consultation, opinion)
