from datetime import date, datetime
from uuid import UUID

from ninja import Router, Schema, Status

from consilium.api_schemas import errors
from consilium.errors import InvalidInput
from consilium.opinions.access import access_opinion_by_consultation_id, access_signed_opinion
from consilium.opinions.actions import (
    StaleOpinion,
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
)
from consilium.opinions.schemas import (
    AddendumIn,
    AddendumOut,
    FollowUpIn,
    FollowUpOut,
    OpinionIn,
    OpinionOut,
    SignIn,
    StaleOut,
    addendum_out,
    follow_up_out,
    opinion_out,
)

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


@router.get("/{consultation_id}", response={200: ConsultationOut, **errors(404)})
def get_consultation(request, consultation_id: str):
    return consultation_out(access_consultation_by_id(request.user, consultation_id))


@router.post("/{consultation_id}/accept", response={200: ConsultationOut, **errors(404, 409)})
def accept(request, consultation_id: str):
    """Accept the offered case (the specialist it was offered to)."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(do_accept_consultation(consultation, acting_user=request.user))


@router.post("/{consultation_id}/decline",
             response={200: ConsultationOut, **errors(400, 404, 409, 422)})
def decline(request, consultation_id: str, payload: DeclineIn):
    """Decline the offered case with a reason, so the coordinator can offer it to another."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(
        do_decline_consultation(consultation, payload.reason, acting_user=request.user)
    )


@router.get("/{consultation_id}/opinion", response={200: OpinionOut, **errors(404)})
def get_opinion(request, consultation_id: str):
    """The opinion: its author sees drafts; others see it once signed."""
    consultation, opinion = access_opinion_by_consultation_id(request.user, consultation_id)
    return opinion_out(consultation, opinion)


@router.put("/{consultation_id}/opinion",
            response={**errors(400, 404, 422), 200: OpinionOut, 409: StaleOut})
def save_opinion(request, consultation_id: str, payload: OpinionIn):
    """Save the draft opinion; fields left out keep their value. ``version`` is the version
    the edit is based on (0 for a new opinion): if the opinion has changed since, nothing is
    saved and the answer is 409 with the stored version under ``current``."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "answers" in data:
        data["answers"] = {a["question_id"]: a for a in data["answers"] or []}
    try:
        opinion = do_save_opinion(consultation, data, acting_user=request.user,
                                  base_version=version)
    except StaleOpinion as stale:
        current = opinion_out(consultation, stale.current)
        return Status(409, {"detail": stale.message, "current": current})
    return opinion_out(consultation, opinion)


@router.post("/{consultation_id}/opinion/sign",
             response={200: OpinionOut, **errors(400, 404, 409, 422, 429)})
def sign_opinion(request, consultation_id: str, payload: SignIn):
    """Sign the opinion with your password or authenticator code; it is frozen, its SHA-256
    recorded, and it is delivered to the patient."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    opinion = do_sign_opinion(consultation, acting_user=request.user, request=request,
                              secret=payload.password)
    return opinion_out(consultation, opinion)


@router.post("/{consultation_id}/opinion/follow-ups",
             response={201: FollowUpOut, **errors(400, 404, 409, 422)})
def ask_follow_up(request, consultation_id: str, payload: FollowUpIn):
    """Ask the specialist a follow-up question (the patient or a caregiver, up to the
    program's limit, once the opinion is delivered)."""
    _, opinion = access_signed_opinion(request.user, consultation_id)
    question = do_ask_follow_up(opinion, payload.text, acting_user=request.user)
    return Status(201, follow_up_out(question))


@router.post("/{consultation_id}/opinion/addenda",
             response={201: AddendumOut, **errors(400, 404, 409, 422, 429)})
def add_addendum(request, consultation_id: str, payload: AddendumIn):
    """Add a signed addendum to the signed opinion, optionally answering a follow-up
    question (``answers``: its id). Needs your password or authenticator code."""
    _, opinion = access_signed_opinion(request.user, consultation_id)
    question = None
    if payload.answers is not None:
        question = opinion.follow_up_questions.filter(id=payload.answers).first()
        if question is None:
            raise InvalidInput({"answers": "That question is not about this opinion."})
    addendum = do_add_addendum(opinion, payload.body, acting_user=request.user,
                               request=request, secret=payload.password, answers=question)
    return Status(201, addendum_out(addendum))

