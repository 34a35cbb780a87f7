"""The opinion in the JSON API: the specialist's draft, signing, follow-up questions and
addenda (under /consultations/{id}/opinion), and the FHIR exports of a case's opinion and
consultation (under /cases/{id}/)."""

from uuid import UUID

import orjson
from django.http import Http404, HttpResponse
from ninja import Router, Status

from consilium.api_schemas import errors
from consilium.audit.trail import record
from consilium.cases.access import access_case_by_id
from consilium.consultations.access import access_consultation_by_id
from consilium.errors import InvalidInput
from consilium.submissions.once import key_of

from . import fhir
from .access import (
    access_opinion_by_consultation_id,
    access_part_by_consultation_id,
    access_signed_opinion,
    signed_opinion_for_case,
)
from .actions import (
    StaleOpinion,
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
)
from .models import Opinion
from .part_actions import do_save_part, do_sign_part
from .policy import on_consultation
from .reports import render_report
from .schemas import (
    AddendumIn,
    AddendumOut,
    FollowUpIn,
    FollowUpOut,
    OpinionIn,
    OpinionOut,
    PartDraftIn,
    PartDraftOut,
    SignIn,
    StaleOut,
    addendum_out,
    follow_up_out,
    opinion_out,
    part_draft_out,
)

router = Router(tags=["opinions"])  # mounted at /consultations
case_router = Router(tags=["opinions"])  # mounted at /cases


@router.get("/{uuid:consultation_id}/opinion", response={200: OpinionOut, **errors(404)})
def get_opinion(request, consultation_id: UUID):
    """The opinion: its author sees drafts; others see it once signed."""
    consultation, opinion = access_opinion_by_consultation_id(request.user, consultation_id)
    return opinion_out(consultation, opinion, request.user)


@router.put("/{uuid:consultation_id}/opinion",
            response={**errors(400, 404, 422), 200: OpinionOut, 409: StaleOut})
def save_opinion(request, consultation_id: UUID, payload: OpinionIn):
    """Save the draft opinion; fields left out keep their value. ``version`` is the version
    the edit is based on (0 for a new opinion): if the opinion has changed since, nothing is
    saved and the answer is 409 with the stored version under ``current``."""
    consultation = access_consultation_by_id(request.user, consultation_id)
    try:
        opinion = do_save_opinion(consultation, payload, acting_user=request.user,
                                  base_version=payload.version)
    except StaleOpinion as stale:
        current = opinion_out(consultation, stale.current, request.user)
        return Status(409, {"detail": stale.message, "current": current})
    return opinion_out(consultation, opinion, request.user)


@router.post("/{uuid:consultation_id}/opinion/sign",
             response={200: OpinionOut, **errors(400, 404, 409, 422, 429)})
def sign_opinion(request, consultation_id: UUID, payload: SignIn):
    """Sign the opinion with your password or authenticator code; it is frozen, its SHA-256
    recorded, and it is delivered to the patient."""
    consultation, _ = access_opinion_by_consultation_id(request.user, consultation_id,
                                                        check=on_consultation("sign"))
    opinion = do_sign_opinion(consultation, acting_user=request.user, request=request,
                              secret=payload.password)
    return opinion_out(consultation, opinion, request.user)


@router.get("/{uuid:consultation_id}/part", response={200: PartDraftOut, **errors(404)})
def get_part(request, consultation_id: UUID):
    """A combined review's part, for its specialist (the others read it, once signed, in
    the opinion's ``parts``)."""
    consultation, part = access_part_by_consultation_id(request.user, consultation_id)
    return part_draft_out(consultation, part, request.user)


@router.put("/{uuid:consultation_id}/part",
            response={200: PartDraftOut, **errors(400, 403, 404, 409, 422)})
def save_part(request, consultation_id: UUID, payload: PartDraftIn):
    """Save the part's findings; ``version`` is the version the edit is based on (0 for a
    new part): if the part has changed since, nothing is saved (409)."""
    consultation, _ = access_part_by_consultation_id(request.user, consultation_id)
    part = do_save_part(consultation, payload.findings, acting_user=request.user,
                        base_version=payload.version)
    return part_draft_out(consultation, part, request.user)


@router.post("/{uuid:consultation_id}/part/sign",
             response={200: PartDraftOut, **errors(400, 403, 404, 409, 422, 429)})
def sign_part(request, consultation_id: UUID, payload: SignIn):
    """Sign the part with your password or authenticator code: it is frozen and its
    SHA-256 recorded; the lead specialist's opinion covers it."""
    consultation, _ = access_part_by_consultation_id(request.user, consultation_id)
    part = do_sign_part(consultation, acting_user=request.user, request=request,
                        secret=payload.password)
    return part_draft_out(consultation, part, request.user)


@router.post("/{uuid:consultation_id}/opinion/follow-ups",
             response={201: FollowUpOut, **errors(400, 404, 409, 422)})
def ask_follow_up(request, consultation_id: UUID, payload: FollowUpIn):
    """Ask the specialist a follow-up question (the patient or a caregiver, up to the
    program's limit, once the opinion is delivered). With an ``Idempotency-Key`` header, a
    repeat of the request answers with the first question instead of asking again."""
    _, opinion = access_signed_opinion(request.user, consultation_id)
    question = do_ask_follow_up(opinion, payload.text, acting_user=request.user,
                                key=key_of(request))
    return Status(201, follow_up_out(question))


@router.post("/{uuid:consultation_id}/opinion/addenda",
             response={201: AddendumOut, **errors(400, 404, 409, 422, 429)})
def add_addendum(request, consultation_id: UUID, payload: AddendumIn):
    """Add a signed addendum to the signed opinion, optionally answering a follow-up
    question (``answers``: its id). Needs your password or authenticator code. With an
    ``Idempotency-Key`` header, a repeat of the request (a retry after a lost answer) answers
    with the first addendum instead of signing another."""
    _, opinion = access_signed_opinion(request.user, consultation_id)
    question = None
    if payload.answers is not None:
        question = opinion.follow_up_questions.filter(id=payload.answers).first()
        if question is None:
            raise InvalidInput({"answers": "That question is not about this opinion."})
    addendum = do_add_addendum(opinion, payload.body, acting_user=request.user,
                               request=request, secret=payload.password, answers=question,
                               key=key_of(request))
    return Status(201, addendum_out(addendum))


@case_router.get("/{uuid:case_id}/opinion.fhir.json", response={200: dict, **errors(404)},
                 openapi_extra={"responses": {200: {"description": "A FHIR R4 document Bundle"}}})
def opinion_fhir(request, case_id: UUID):
    """The signed opinion as a FHIR R4 document Bundle (Composition, Patient, Practitioner,
    PractitionerRole, Conditions, ServiceRequest, ClinicalImpression, and the physician
    report PDF as a DocumentReference)."""
    case = access_case_by_id(request.user, case_id, check=_has_signed_opinion)
    opinion = signed_opinion_for_case(request.user, case)
    record(request.user, "opinion.fhir", opinion, case_id=case.id)
    bundle = fhir.opinion_document(opinion, render_report(opinion, "report"))
    return _fhir_response(bundle)


@case_router.get("/{uuid:case_id}/consultation.fhir.json", response={200: dict, **errors(404)},
                 openapi_extra={"responses": {200: {"description": "A FHIR R4 collection Bundle"}}})
def consultation_fhir(request, case_id: UUID):
    """The case's latest consultation to lead its review as a FHIR ServiceRequest and Task:
    status, owner, due date and execution period."""
    case = access_case_by_id(request.user, case_id, check=_has_consultation)
    consultation = case.consultations.filter(is_part=False).select_related(
        "specialist").order_by("-offered_at").first()
    return _fhir_response(fhir.consultation_bundle(consultation))


def _has_signed_opinion(case, user) -> None:
    if not Opinion.objects.filter(consultation__case=case, signed_at__isnull=False).exists():
        raise Http404("No signed opinion")


def _has_consultation(case, user) -> None:
    if not case.consultations.filter(is_part=False).exists():
        raise Http404("No consultation")


def _fhir_response(bundle: dict) -> HttpResponse:
    return HttpResponse(orjson.dumps(bundle), content_type="application/fhir+json")
