"""The requests for records to providers through the API (records.RecordsRequest): the same
actions (request_actions.py), rules (the records policy's see_requests, add_request and
manage_requests) and messages as the pages of records/request_views.py."""

from datetime import date, datetime
from uuid import UUID

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from consilium.api_schemas import PageIn, errors
from consilium.cases.access import access_case_by_id
from consilium.schemas import InputSchema, every_field_optional
from consilium.submissions.once import key_of

from .access import access_request_by_id, requests_in_order
from .policy import policy
from .request_actions import (
    DETAILS,
    do_cancel_request,
    do_change_request,
    do_close_request,
    do_mark_request_sent,
    do_remind_request,
    do_request_records,
)
from .schemas import RecordsRequestIn, RequestReceivedIn, RequestSentIn

router = Router(tags=["records requests"])


class RecordsRequestOut(Schema):
    id: UUID
    # to_send, sent, overdue (sent and past due_on), received or cancelled.
    state: str
    provider_name: str
    provider_address: str
    provider_phone: str
    provider_fax: str
    provider_email: str
    # Keys of the case's checklist asked for; ``asked`` lists them by their labels, then each
    # line of ``asked_text``, as the release letter does.
    asked_items: list[str]
    asked_text: str
    asked: list[str]
    created_by_id: int
    created_at: datetime
    sent_on: date | None
    due_on: date | None
    reminded_on: date | None
    reminders: int
    received_on: date | None
    # The upload of the case that brought the records, when they came as one.
    received_with_id: UUID | None
    cancelled_on: date | None

    @staticmethod
    def resolve_state(found):
        return found.state(timezone.localdate())

    @staticmethod
    def resolve_asked(found):
        return found.asked_labels()


class RecordsRequestPage(Schema):
    count: int
    items: list[RecordsRequestOut]


@every_field_optional(RecordsRequestIn)
class RecordsRequestPatch(InputSchema):
    """A correction of an open request: only the fields sent change."""


class ReceivedIn(RequestReceivedIn):
    """The day the records came (today when not given) and the upload of this case that
    brought them (a record's ID; none when they came another way)."""

    record_id: UUID | None = None


def _managed(request, case_id, request_id, action):
    return access_request_by_id(request.user, case_id, request_id, action=action,
                                check=policy.checker("manage_requests"))


@router.get("/{uuid:case_id}/records-requests",
            response={200: RecordsRequestPage, **errors(403, 404, 422)})
def list_records_requests(request, case_id: UUID, page: Query[PageIn]):
    """The case's requests for records (the patient and the coordinators): the open ones
    first, the oldest first, then the closed ones."""
    case = access_case_by_id(request.user, case_id, action="case.records_requests",
                             check=policy.checker("see_requests"))
    found = requests_in_order(case)
    shown = list(found[page.offset: page.offset + page.limit])
    for one in shown:
        one.case = case  # the labels of the items asked are in the case's checklist
    return {"count": found.count(), "items": shown}


@router.post("/{uuid:case_id}/records-requests",
             response={201: RecordsRequestOut, **errors(400, 403, 404, 409, 422)})
def request_records(request, case_id: UUID, payload: RecordsRequestIn):
    """Write down a provider to ask for records and what to ask them (the patient or a
    coordinator, while the case is open); a coordinator then sends it. With an
    ``Idempotency-Key`` header, a repeat of the request answers with the first request."""
    case = access_case_by_id(request.user, case_id, action="case.records_request_new",
                             check=policy.checker("add_request"))
    made = do_request_records(case, payload, acting_user=request.user, key=key_of(request))
    made.case = case
    return Status(201, made)


@router.get("/{uuid:case_id}/records-requests/{uuid:request_id}",
            response={200: RecordsRequestOut, **errors(403, 404)})
def get_records_request(request, case_id: UUID, request_id: UUID):
    return access_request_by_id(request.user, case_id, request_id)


@router.patch("/{uuid:case_id}/records-requests/{uuid:request_id}",
              response={200: RecordsRequestOut, **errors(400, 403, 404, 409, 422)})
def change_records_request(request, case_id: UUID, request_id: UUID,
                           payload: RecordsRequestPatch):
    """Correct who is asked or what, while the request is open (coordinators)."""
    found = _managed(request, case_id, request_id, "records_request.edit")
    details = {name: getattr(found, name) for name in DETAILS} | payload.given()
    return do_change_request(found, details, acting_user=request.user)


@router.post("/{uuid:case_id}/records-requests/{uuid:request_id}/sent",
             response={200: RecordsRequestOut, **errors(400, 403, 404, 409, 422)})
def mark_request_sent(request, case_id: UUID, request_id: UUID, payload: RequestSentIn):
    """The request went out on ``sent_on`` (today when not given), due on ``due_on`` (the
    program's usual days later when not given)."""
    found = _managed(request, case_id, request_id, "records_request.send")
    return do_mark_request_sent(found, payload, acting_user=request.user)


@router.post("/{uuid:case_id}/records-requests/{uuid:request_id}/reminded",
             response={200: RecordsRequestOut, **errors(403, 404, 409)})
def remind_request(request, case_id: UUID, request_id: UUID):
    """The provider was reminded today (once a day); a late request is due again later."""
    found = _managed(request, case_id, request_id, "records_request.remind")
    return do_remind_request(found, acting_user=request.user)


@router.post("/{uuid:case_id}/records-requests/{uuid:request_id}/received",
             response={200: RecordsRequestOut, **errors(400, 403, 404, 409, 422)})
def mark_request_received(request, case_id: UUID, request_id: UUID, payload: ReceivedIn):
    """The records arrived: the request is closed, with the upload that brought them."""
    found = _managed(request, case_id, request_id, "records_request.receive")
    return do_close_request(found, payload, record=payload.record_id, acting_user=request.user)


@router.post("/{uuid:case_id}/records-requests/{uuid:request_id}/cancel",
             response={200: RecordsRequestOut, **errors(403, 404, 409)})
def cancel_request(request, case_id: UUID, request_id: UUID):
    """Ask the provider no more: the request is kept, marked cancelled (coordinators)."""
    found = _managed(request, case_id, request_id, "records_request.cancel")
    return do_cancel_request(found, acting_user=request.user)
