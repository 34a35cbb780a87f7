from datetime import date, datetime
from uuid import UUID

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema, Status

from consilium.api_schemas import PageIn, errors
from consilium.submissions.once import key_of

from . import actions, queue_actions
from .access import access_case_by_id, cases_visible_to, record_case_list
from .intake_actions import do_save_intake_summary, intake_of
from .models import Question
from .policy import policy
from .schemas import CaseIn, CasePatch, IntakeIn

router = Router(tags=["cases"])


class QuestionOut(Schema):
    id: int
    position: int
    text: str


class CaseOut(Schema):
    id: UUID
    status: str
    patient_id: int
    created_at: datetime
    status_changed_at: datetime
    diagnosis_text: str
    diagnosis_codes: list[str]
    treatment_category: str
    treatment_description: str
    diagnosing_physician: str
    institution: str
    hospital_system: str
    first_opinion_date: date | None
    symptoms: str
    concerns: str
    goals: str
    patient_location: str
    travel_km: int
    patient_language: str
    insurance_plan_id: int | None
    # The coordinator who has the case (the work queue's owner), and the day the first
    # opinion's procedure is planned for (its urgency): docs/work-queue.md.
    owner_id: int | None
    planned_procedure_on: date | None
    questions: list[QuestionOut]
    # What the caller may do to the case now (the case policy's set, as the page shows it).
    allowed_actions: list[str]

    @staticmethod
    def resolve_questions(case):
        return list(case.questions.all())

    @staticmethod
    def resolve_allowed_actions(case, context):
        return sorted(policy.allowed(context["request"].user, case))


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class EventOut(Schema):
    id: int
    kind: str
    from_status: str
    to_status: str
    actor_id: int | None
    actor_role: str
    at: datetime
    note: str


def _with_questions(queryset):
    """With the questions, and the consultations the "offer" rule looks at (no query per
    case for ``allowed_actions``)."""
    return queryset.prefetch_related(Prefetch("questions", queryset=Question.objects.all()),
                                     "consultations")


@router.get("", response={200: CasePage, **errors(422)})
def list_cases(request, page: Query[PageIn], status: str = ""):
    """The cases the caller may see, newest first."""
    cases = cases_visible_to(request.user)
    if status:
        cases = cases.filter(status=status)
    shown = list(_with_questions(cases)[page.offset: page.offset + page.limit])
    record_case_list(request.user, shown)
    return {"count": cases.count(), "items": shown}


@router.post("", response={201: CaseOut, **errors(400, 422)})
def create_case(request, payload: CaseIn):
    """Start a case (patients) as a draft. With an ``Idempotency-Key`` header, a repeat of
    the request (a retry after a lost answer) answers with the first case."""
    case = actions.do_create_case(payload, acting_user=request.user, key=key_of(request))
    return Status(201, case)


@router.get("/{uuid:case_id}", response={200: CaseOut, **errors(404)})
def get_case(request, case_id: UUID):
    return access_case_by_id(request.user, case_id)


@router.patch("/{uuid:case_id}", response={200: CaseOut, **errors(400, 404, 409, 422)})
def update_case(request, case_id: UUID, payload: CasePatch):
    """Change the first opinion while the case is a draft or just submitted."""
    case = access_case_by_id(request.user, case_id)
    return actions.do_update_case(case, payload, acting_user=request.user)


@router.post("/{uuid:case_id}/submit", response={200: CaseOut, **errors(404, 409, 422)})
def submit_case(request, case_id: UUID):
    case = access_case_by_id(request.user, case_id)
    return actions.do_submit_case(case, acting_user=request.user)


@router.post("/{uuid:case_id}/withdraw", response={200: CaseOut, **errors(404, 409)})
def withdraw_case(request, case_id: UUID):
    case = access_case_by_id(request.user, case_id)
    return actions.do_withdraw_case(case, acting_user=request.user)


@router.post("/{uuid:case_id}/records-complete", response={200: CaseOut, **errors(404, 409)})
def mark_records_complete(request, case_id: UUID):
    case = access_case_by_id(request.user, case_id)
    return actions.do_mark_records_complete(case, acting_user=request.user)


@router.post("/{uuid:case_id}/close", response={200: CaseOut, **errors(404, 409)})
def close_case(request, case_id: UUID):
    case = access_case_by_id(request.user, case_id)
    return actions.do_close_case(case, acting_user=request.user)


class OwnerIn(Schema):
    """A coordinator's ID, "me", or null for nobody (queue_actions.do_set_case_owner checks)."""

    owner_id: int | str | None = None


class ProcedureDateIn(Schema):
    """The planned day as YYYY-MM-DD, or null for none (queue_actions.parse_plan checks)."""

    planned_procedure_on: str | None = None


@router.post("/{uuid:case_id}/owner",
             response={200: CaseOut, **errors(400, 403, 404, 409, 422)})
def set_case_owner(request, case_id: UUID, payload: OwnerIn):
    """Give the case to a coordinator (the work queue's owner), to oneself ("me"), or to
    nobody (coordinators)."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("take_on"))
    return queue_actions.do_set_case_owner(case, payload.owner_id, acting_user=request.user)


@router.post("/{uuid:case_id}/procedure-date",
             response={200: CaseOut, **errors(400, 403, 404, 409, 422)})
def plan_procedure(request, case_id: UUID, payload: ProcedureDateIn):
    """Record the day the first opinion's procedure is planned for, or clear it (the patient
    or a coordinator)."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("plan_procedure"))
    return queue_actions.do_plan_procedure(case, payload.planned_procedure_on,
                                           acting_user=request.user)


@router.get("/{uuid:case_id}/events", response={200: list[EventOut], **errors(404)})
def list_events(request, case_id: UUID):
    """The case's history, oldest first."""
    case = access_case_by_id(request.user, case_id, action="case.history")
    return list(case.events.all())


class IntakeOut(Schema):
    """The coordinator's case summary for the specialist. Before any is saved: version 0,
    empty texts, no author (``written_by_id``) and no ``updated_at``."""

    version: int
    history: str
    key_question: str
    records_show: str
    missing: str
    written_by_id: int | None
    updated_at: datetime | None


class IntakeSave(IntakeIn):
    """The summary as a whole, and the version it was written on (0 for the first): a save
    on an older version than the one stored is refused (409) and changes nothing."""

    version: int = Field(ge=0, le=2**31 - 1)


EMPTY_INTAKE = {"version": 0, "history": "", "key_question": "", "records_show": "",
                "missing": "", "written_by_id": None, "updated_at": None}


@router.get("/{uuid:case_id}/intake", response={200: IntakeOut, **errors(403, 404)})
def get_intake(request, case_id: UUID):
    """The case summary for the specialist (docs/work-queue.md, "Intake"), for whoever sees
    the case: the patient's side, the coordinators, the specialist offered it."""
    case = access_case_by_id(request.user, case_id, action="case.intake_view",
                             check=policy.checker("read_intake"))
    return intake_of(case) or EMPTY_INTAKE


@router.put("/{uuid:case_id}/intake",
            response={200: IntakeOut, **errors(400, 403, 404, 409, 422)})
def save_intake(request, case_id: UUID, payload: IntakeSave):
    """Write or correct the summary (coordinators, from the case's submission until its
    opinion is signed). The same text again changes nothing; a save based on an older
    ``version`` is a 409 whose message names the version stored now."""
    case = access_case_by_id(request.user, case_id, check=policy.checker("write_intake"))
    return do_save_intake_summary(case, payload, acting_user=request.user,
                                  base_version=payload.version)
