"""The patient's decision in the JSON API (under /cases/{id}/decision)."""

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id
from consilium.submissions.once import key_of

from .actions import do_record_decision
from .policy import policy
from .schemas import DecisionIn

router = Router(tags=["decisions"])  # mounted at /cases


class EarlierDecisionOut(Schema):
    choice: str
    explanation: str
    decided_at: datetime
    replaced_at: datetime


class DecisionOut(Schema):
    choice: str
    explanation: str
    decided_at: datetime
    changes: int
    earlier: list[EarlierDecisionOut]
    allowed_actions: list[str]


def decision_out(user, case, decision) -> dict:
    return {"choice": decision.choice, "explanation": decision.explanation,
            "decided_at": decision.decided_at, "changes": decision.changes,
            "earlier": list(case.earlier_decisions.all()),
            "allowed_actions": sorted(policy.allowed(user, case))}


@router.post("/{uuid:case_id}/decision",
             response={200: DecisionOut, 201: DecisionOut, **errors(400, 403, 404, 409, 422)})
def record_decision(request, case_id: UUID, payload: DecisionIn):
    """Record the patient's decision once the opinion is delivered (201), or change it
    (200): the patient may change it until the case is closed (then 409). A change keeps the
    choice it replaces under ``earlier`` and is an event on the case; the same choice and
    explanation again change nothing. Send an ``Idempotency-Key`` header to make a retry
    safe: a second request with the same key answers with the first one's decision."""
    case = access_case_by_id(request.user, case_id)
    decision = do_record_decision(case, payload.choice, payload.explanation,
                                  acting_user=request.user, key=key_of(request))
    return Status(201 if decision.changes == 0 else 200,
                  decision_out(request.user, case, decision))
