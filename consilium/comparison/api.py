from uuid import UUID

from django.http import Http404
from ninja import Router, Schema, Status

from consilium.api_schemas import errors
from consilium.cases.access import access_case_by_id
from consilium.submissions.once import key_of

from .actions import do_request_third_opinion
from .policy import policy
from .reading import Seen, comparison_for_case

router = Router(tags=["comparison"])


class CodeOut(Schema):
    code: str
    title: str


class EarlierOut(Schema):
    title: str
    specialist: str
    diagnosis_concordance: str
    treatment_concordance: str
    clinical_impact: str


class ComparisonOut(Schema):
    diagnosis_concordance: str  # "being_reviewed" while a coordinator checks it (see below)
    treatment_concordance: str
    clinical_impact: str
    reasons: list[str]
    review_needed: bool
    review_reasons: list[str]
    # "diagnosis", "treatment": where the specialist's judgement and the rules disagree and
    # no coordinator has reviewed it yet; callers who do not review get "being_reviewed" in
    # those verdicts (and the impact), coordinators the automatic reading.
    being_reviewed: list[str]
    reviewed: bool
    third_opinion_suggested: bool
    first_codes: list[CodeOut]
    second_codes: list[CodeOut]
    earlier_opinions: list[EarlierOut]
    allowed_actions: list[str]  # review, third_opinion: what the caller may do now


@router.get("/{uuid:case_id}/comparison", response={200: ComparisonOut, **errors(404, 422)})
def comparison(request, case_id: UUID):
    """How the signed second opinion compares with the first: diagnosis (confirmed, refined,
    distinctly different; Van Such 2017), treatment (same, modified, changed) and clinical
    impact (none, minor, major; Meyer 2015), with the reasons. 404 until an opinion is
    signed."""
    case = access_case_by_id(request.user, case_id)
    seen = comparison_for_case(request.user, case)
    if seen is None:
        raise Http404("No signed opinion on this case yet")
    stored = seen.stored
    allowed = policy.allowed(request.user, case)
    reviews = "review" in allowed
    return {**seen.found.as_dict(), **_verdicts(seen, reviews),
            "being_reviewed": seen.being_reviewed,
            "third_opinion_suggested": seen.may_be_major,
            "review_needed": bool(stored and stored.needs_review),
            "reviewed": bool(stored and stored.reviewed_at),
            "first_codes": [{"code": c.code, "title": c.title} for c in seen.first_codes],
            "second_codes": [{"code": c.code, "title": c.title} for c in seen.second_codes],
            # A third opinion's case: the opinions of the cases it continues, oldest first.
            "earlier_opinions": [
                {"title": e.title, "specialist": e.opinion.consultation.specialist.name,
                 **_verdicts(e, reviews)} for e in seen.earlier],
            "allowed_actions": sorted(allowed)}


def _verdicts(seen: Seen, reviews: bool) -> dict[str, str]:
    """The three verdicts; "being_reviewed" where a coordinator is still to review them,
    except for the coordinator, who reviews the automatic reading."""
    verdicts = {"diagnosis_concordance": seen.found.diagnosis,
                "treatment_concordance": seen.found.treatment,
                "clinical_impact": seen.found.impact}
    if seen.being_reviewed and not reviews:
        verdicts |= {f"{part}_concordance": "being_reviewed" for part in seen.being_reviewed}
        verdicts["clinical_impact"] = "being_reviewed"
    return verdicts


class ThirdOpinionOut(Schema):
    case_id: UUID


@router.post("/{uuid:case_id}/third-opinion",
             response={201: ThirdOpinionOut, **errors(404, 409, 422)})
def third_opinion(request, case_id: UUID):
    """Open a linked case for a third opinion (the patient or a coordinator, once the
    second opinion is delivered): first opinion, questions and records carried over;
    matching avoids both earlier hospital systems. 409 if one was already asked for; with
    an ``Idempotency-Key`` header, a repeat of the request answers 201 with the same case."""
    case = access_case_by_id(request.user, case_id)
    third = do_request_third_opinion(case, acting_user=request.user, key=key_of(request))
    return Status(201, {"case_id": third.id})
