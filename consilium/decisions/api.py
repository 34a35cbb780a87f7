"""The patient's decision in the JSON API (under /cases/{id}/decision)."""

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id

from .actions import do_record_decision

router = Router(tags=["decisions"])  # mounted at /cases


class DecisionIn(Schema):
    choice: str
    explanation: str = ""


class DecisionOut(Schema):
    choice: str
    explanation: str
    decided_at: datetime


@router.post("/{uuid:case_id}/decision", response={201: DecisionOut, **errors(400, 404, 409, 422)})
def record_decision(request, case_id: UUID, payload: DecisionIn):
    """Record the patient's decision after the opinion was delivered."""
    case = access_case_by_id(request.user, case_id)
    decision = do_record_decision(
        case, payload.choice, payload.explanation, acting_user=request.user
    )
    return Status(201, decision)
