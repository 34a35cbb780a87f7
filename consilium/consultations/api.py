from datetime import date, datetime
from uuid import UUID

from ninja import Router, Schema

from consilium.api_schemas import errors

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


@router.get("/{uuid:consultation_id}", response={200: ConsultationOut, **errors(404)})
def get_consultation(request, consultation_id: UUID):
    return consultation_out(access_consultation_by_id(request.user, consultation_id))


@router.post("/{uuid:consultation_id}/accept", response={200: ConsultationOut, **errors(404, 409)})
def accept(request, consultation_id: UUID):
    """Accept the offered case (the specialist it was offered to)."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(do_accept_consultation(consultation, acting_user=request.user))


@router.post("/{uuid:consultation_id}/decline",
             response={200: ConsultationOut, **errors(400, 404, 409, 422)})
def decline(request, consultation_id: UUID, payload: DeclineIn):
    """Decline the offered case with a reason, so the coordinator can offer it to another."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    return consultation_out(
        do_decline_consultation(consultation, payload.reason, acting_user=request.user)
    )
