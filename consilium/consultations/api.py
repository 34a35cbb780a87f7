from datetime import date, datetime
from uuid import UUID

from ninja import Field, Router, Schema, Status

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id
from consilium.cases.policy import offerers_only
from consilium.directory.api import SpecialistOut
from consilium.submissions.once import key_of

from .access import access_consultation_by_id
from .actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
    do_offer_part,
    do_release_consultation,
    do_withdraw_consultation,
    offer_check,
)
from .matching import COMPONENT_NAMES, RULES, match_case
from .models import Consultation
from .policy import policy
from .schemas import DeclineIn, ReleaseIn, WithdrawIn

router = Router(tags=["consultations"])  # mounted at /consultations
case_router = Router(tags=["consultations"])  # mounted at /cases: a case's offers


class ConsultationOut(Schema):
    id: UUID
    case_id: UUID
    specialist_id: int
    specialist_name: str
    status: str
    offered_at: datetime
    responded_at: datetime | None
    due_date: date | None
    decline_reason: str | None  # null unless the caller may read it (policy: read_reasons)
    offer_reason: str | None  # why outside the fitting specialties; as decline_reason
    ended_at: datetime | None
    is_part: bool  # a part of a combined review, beside the lead
    part_asked: str  # what the coordinator asked of a part's specialist ("" for the lead)
    allowed_actions: list[str]


def consultation_out(consultation: Consultation, user) -> dict:
    """The consultation, with what ``user`` may do to it now (the policy's allowed set); the
    decline's reason only for those the policy lets read it."""
    allowed = policy.allowed(user, consultation)
    return {
        "id": consultation.id,
        "case_id": consultation.case_id,
        "specialist_id": consultation.specialist_id,
        "specialist_name": consultation.specialist.name,
        "status": consultation.status,
        "offered_at": consultation.offered_at,
        "responded_at": consultation.responded_at,
        "due_date": consultation.due_date,
        "decline_reason": consultation.decline_reason if "read_reasons" in allowed else None,
        "offer_reason": consultation.offer_reason if "read_reasons" in allowed else None,
        "ended_at": consultation.ended_at,
        "is_part": consultation.is_part,
        "part_asked": consultation.part_asked,
        "allowed_actions": sorted(allowed),
    }


class OfferIn(Schema):
    specialist_id: int
    # why, for a specialist outside the specialties that fit (required then): kept and
    # flagged to the coordinators (consultations.schemas.OfferReasonIn reads it)
    reason: str | None = None


@router.get("/{uuid:consultation_id}", response={200: ConsultationOut, **errors(404)})
def get_consultation(request, consultation_id: UUID):
    return consultation_out(access_consultation_by_id(request.user, consultation_id),
                            request.user)


@router.post("/{uuid:consultation_id}/accept",
             response={200: ConsultationOut, **errors(403, 404, 409)})
def accept(request, consultation_id: UUID):
    """Accept the offered case (the specialist it was offered to), committing to its due
    date."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("accept"))
    return consultation_out(do_accept_consultation(consultation, acting_user=request.user),
                            request.user)


@router.post("/{uuid:consultation_id}/decline",
             response={200: ConsultationOut, **errors(400, 403, 404, 409, 422)})
def decline(request, consultation_id: UUID, payload: DeclineIn):
    """Decline the offered case with a reason, so the coordinator can offer it to another."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("decline"))
    return consultation_out(
        do_decline_consultation(consultation, payload.reason, acting_user=request.user),
        request.user)


@router.post("/{uuid:consultation_id}/withdraw",
             response={200: ConsultationOut, **errors(400, 403, 404, 409, 422)})
def withdraw(request, consultation_id: UUID, payload: WithdrawIn):
    """Withdraw an offer the specialist has not answered (a coordinator), with a reason. The
    specialist no longer sees the case, and it can be offered to someone else."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("withdraw"))
    return consultation_out(
        do_withdraw_consultation(consultation, payload.reason, acting_user=request.user),
        request.user)


@router.post("/{uuid:consultation_id}/release",
             response={200: ConsultationOut, **errors(400, 403, 404, 409, 422)})
def release(request, consultation_id: UUID, payload: ReleaseIn):
    """Hand an accepted case back before signing (its specialist), with a reason. The case
    returns to the coordinators' queue and the specialist no longer sees it."""
    consultation = access_consultation_by_id(request.user, consultation_id,
                                             check=policy.checker("release"))
    return consultation_out(
        do_release_consultation(consultation, payload.reason, acting_user=request.user),
        request.user)


@case_router.get("/{uuid:case_id}/consultations",
                 response={200: list[ConsultationOut], **errors(404)})
def list_consultations(request, case_id: UUID):
    case = access_case_by_id(request.user, case_id)
    return [consultation_out(c, request.user)
            for c in case.consultations.select_related("specialist")]


@case_router.post("/{uuid:case_id}/consultations",
                  response={201: ConsultationOut, **errors(400, 404, 409, 422)})
def offer_consultation(request, case_id: UUID, payload: OfferIn):
    """Offer the case to a specialist (coordinators). With an ``Idempotency-Key`` header, a
    repeat of the request answers with the first offer; an offer to another specialist while
    one is open is refused (409)."""
    key = key_of(request)
    case = access_case_by_id(request.user, case_id, check=offer_check(key))
    consultation = do_offer_consultation(case, payload.specialist_id, acting_user=request.user,
                                         key=key, reason=payload.reason)
    return Status(201, consultation_out(consultation, request.user))


class PartOfferIn(Schema):
    specialist_id: int
    asked: str = Field(description="What the part's specialist is asked to review; they read "
                                   "it before accepting.")


@case_router.post("/{uuid:case_id}/parts",
                  response={201: ConsultationOut, **errors(400, 403, 404, 409, 422)})
def offer_part(request, case_id: UUID, payload: PartOfferIn):
    """Ask a specialist for a part of a combined review (coordinators), beside the lead: a
    consultation of its own (``is_part``), answered, written and signed by its specialist
    (``/consultations/{id}/part``). The lead's opinion is signed once no part is open. With
    an ``Idempotency-Key`` header, a repeat answers with the first part."""
    key = key_of(request)
    case = access_case_by_id(request.user, case_id, action="case.offer_part",
                             check=offer_check(key, "offer_part"))
    consultation = do_offer_part(case, payload.specialist_id, payload.asked,
                                 acting_user=request.user, key=key)
    return Status(201, consultation_out(consultation, request.user))


class ComponentOut(Schema):
    name: str
    label: str
    value: float
    weight: float


class ProposalOut(Schema):
    specialist: SpecialistOut
    score: float
    components: list[ComponentOut]
    reasons: list[str]
    explanation: str
    distance_km: float | None


class ExcludedOut(Schema):
    rule: str
    reason: str
    count: int


class MatchesOut(Schema):
    proposals: list[ProposalOut]
    considered: int
    excluded: list[ExcludedOut]
    weights: dict[str, float]
    fitting_specialties: list[str]


@case_router.get("/{uuid:case_id}/matches", response={200: MatchesOut, **errors(404, 422)})
def case_matches(request, case_id: UUID, limit: int = 10):
    """Ranked proposals for the case: each with its score, its named components and a
    sentence per reason, and how many specialists each hard rule left out."""
    case = access_case_by_id(request.user, case_id, action="case.matches",
                             check=offerers_only)
    matches = match_case(case, limit=max(1, min(limit, 50)))
    return {
        "proposals": [{
            "specialist": p.specialist, "score": p.score, "reasons": p.reasons,
            "explanation": "; ".join(p.reasons) + ".", "distance_km": p.distance_km,
            "components": [{"name": k, "label": COMPONENT_NAMES[k], "value": v,
                            "weight": matches.weights[k]} for k, v in p.components.items()],
        } for p in matches.proposals],
        "considered": matches.considered,
        "excluded": [{"rule": k, "reason": RULES[k], "count": v}
                     for k, v in matches.excluded.items()],
        "weights": matches.weights,
        "fitting_specialties": matches.specialties,
    }
