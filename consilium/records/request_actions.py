"""Requests for records to the providers who hold them (RecordsRequest): written down by a
coordinator or the patient, then sent, reminded, closed when the records arrive (with the
upload that brought them) or cancelled by a coordinator. Each is one transaction under the
records policy (add_request, manage_requests) with an audit row and a case event; the events
never name the provider (who treats the patient is health data, kept encrypted)."""

import uuid
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record as audit
from consilium.cases.actions import add_event, locked_case
from consilium.cases.models import Case, EventKind
from consilium.errors import Conflict, InvalidInput
from consilium.submissions.once import Once
from consilium.terms.access import current as program_terms

from .models import Record, RecordsRequest
from .policy import policy
from .schemas import RecordsRequestIn, RequestReceivedIn, RequestSentIn

DETAILS = ("provider_name", "provider_address", "provider_phone", "provider_fax",
           "provider_email", "asked_items", "asked_text")


def _details(case: Case, data) -> dict:
    """The request's details by RecordsRequestIn, the items asked kept to the case's own
    checklist (in its order, once each)."""
    cleaned = dict(RecordsRequestIn.read(data))
    keys = {item["key"] for item in case.checklist or []}
    if any(key not in keys for key in cleaned["asked_items"]):
        raise InvalidInput({"asked_items": "Choose items of this case's checklist."})
    chosen = set(cleaned["asked_items"])
    cleaned["asked_items"] = [item["key"] for item in case.checklist or []
                              if item["key"] in chosen]
    if not cleaned["asked_items"] and not cleaned["asked_text"]:
        raise InvalidInput({"asked_items": "Say what is asked: tick items of the checklist "
                                           "or write it."})
    return cleaned


def _locked(records_request: RecordsRequest, action: str, user) -> tuple[Case, RecordsRequest]:
    """The case, then the request, locked (that order everywhere), once the policy allows
    ``action`` on the case as it is now; a request that is closed meanwhile is refused."""
    case = locked_case(records_request.case, action, user=user, policy=policy)
    current = RecordsRequest.objects.select_for_update().get(id=records_request.id,
                                                             case=case)
    current.case = case
    if current.received_on is not None:
        raise Conflict(f"The records of this request were received on "
                       f"{current.received_on:%d %B %Y}.")
    if current.cancelled_on is not None:
        raise Conflict("This request was cancelled.")
    return case, current


def _copy(records_request: RecordsRequest, current: RecordsRequest) -> RecordsRequest:
    """Give the caller's copy what the action wrote."""
    for field in current._meta.concrete_fields:
        setattr(records_request, field.attname, getattr(current, field.attname))
    return records_request


def do_request_records(case: Case, data, *, acting_user, key: str = "") -> RecordsRequest:
    """Write down a provider to ask for records, and what to ask them; it waits to be sent.
    ``key``: the form's one-time key (a second click makes no second request)."""
    once = Once(acting_user, key, RecordsRequest)
    if (done := once.done()) is not None:
        return done
    policy.check(acting_user, case, "add_request")
    cleaned = _details(case, data)
    with transaction.atomic():
        current = locked_case(case, "add_request", user=acting_user, policy=policy)
        if (done := once.earlier()) is not None:
            return done
        made = RecordsRequest.objects.create(case=current, created_by=acting_user, **cleaned)
        once.made(made)
        add_event(current, EventKind.RECORDS_ASKED, acting_user)
        audit(acting_user, "records_request.create", made, case_id=current.id)
    return made


def do_change_request(records_request: RecordsRequest, data, *, acting_user) -> RecordsRequest:
    """Correct who is asked or what (an address found, an item added), while it is open."""
    policy.check(acting_user, records_request.case, "manage_requests")
    cleaned = _details(records_request.case, data)
    with transaction.atomic():
        case, current = _locked(records_request, "manage_requests", acting_user)
        for name, value in cleaned.items():
            setattr(current, name, value)
        current.save(update_fields=list(DETAILS))
        audit(acting_user, "records_request.change", current, case_id=case.id)
    return _copy(records_request, current)


def default_due(sent_on: date) -> date:
    return sent_on + timedelta(days=program_terms().records_request_days)


def do_mark_request_sent(records_request: RecordsRequest, data=None, *,
                         acting_user) -> RecordsRequest:
    """The request went out (with the signed release letter) on ``sent_on``, today when not
    given; it is due on ``due_on``, the program's records request days (terms.access) later
    when not given."""
    policy.check(acting_user, records_request.case, "manage_requests")
    cleaned = RequestSentIn.read(data or {})
    today = timezone.localdate()
    sent_on = cleaned.sent_on or today
    if sent_on > today:
        raise InvalidInput({"sent_on": "The day it was sent cannot be after today."})
    due_on = cleaned.due_on or default_due(sent_on)
    if due_on < sent_on:
        raise InvalidInput({"due_on": "The day it is due cannot be before the day it was "
                                      "sent."})
    with transaction.atomic():
        case, current = _locked(records_request, "manage_requests", acting_user)
        if current.sent_on is not None:
            raise Conflict(f"This request was already sent, on {current.sent_on:%d %B %Y}.")
        current.sent_on, current.due_on = sent_on, due_on
        current.save(update_fields=["sent_on", "due_on"])
        add_event(case, EventKind.RECORDS_SENT, acting_user)
        audit(acting_user, "records_request.send", current, case_id=case.id)
    return _copy(records_request, current)


def do_remind_request(records_request: RecordsRequest, *, acting_user) -> RecordsRequest:
    """The provider was reminded today (by phone, fax or letter): counted, once a day, and
    the request is due again the program's records request days from today when it was
    already late."""
    policy.check(acting_user, records_request.case, "manage_requests")
    today = timezone.localdate()
    with transaction.atomic():
        case, current = _locked(records_request, "manage_requests", acting_user)
        if current.sent_on is None:
            raise Conflict("The request is not sent yet: send it first.")
        if current.reminded_on == today:
            raise Conflict("The provider was already reminded today.")
        current.reminded_on, current.reminders = today, current.reminders + 1
        if current.due_on is None or current.due_on < today:
            current.due_on = default_due(today)
        current.save(update_fields=["reminded_on", "reminders", "due_on"])
        add_event(case, EventKind.RECORDS_REMINDED, acting_user)
        audit(acting_user, "records_request.remind", current, case_id=case.id)
    return _copy(records_request, current)


def uploads_of(case: Case):
    """The files people added to the case (not what was found inside them), newest first:
    what can close a request."""
    return Record.objects.in_use().filter(case=case, source__isnull=True)


def _upload(case: Case, record_id) -> Record | None:
    if record_id in (None, ""):
        return None
    try:
        key = uuid.UUID(str(record_id))
    except ValueError:
        raise InvalidInput({"record": "Choose one of the case's files."}) from None
    found = uploads_of(case).filter(id=key).first()
    if found is None:
        raise InvalidInput({"record": "Choose one of the case's files."})
    return found


def do_close_request(records_request: RecordsRequest, data=None, *, record=None,
                     acting_user) -> RecordsRequest:
    """The records arrived on ``received_on`` (today when not given); ``record``: the upload
    of this case that brought them (an ID), or none when they came another way."""
    policy.check(acting_user, records_request.case, "manage_requests")
    cleaned = RequestReceivedIn.read(data or {})
    today = timezone.localdate()
    received_on = cleaned.received_on or today
    if received_on > today:
        raise InvalidInput({"received_on": "The day they came cannot be after today."})
    upload = _upload(records_request.case, record)
    with transaction.atomic():
        case, current = _locked(records_request, "manage_requests", acting_user)
        if upload is not None:  # still there, under the lock of its case
            upload = _upload(case, upload.id)
        current.received_on, current.received_with = received_on, upload
        current.save(update_fields=["received_on", "received_with"])
        add_event(case, EventKind.RECORDS_RECEIVED, acting_user)
        audit(acting_user, "records_request.receive", current, case_id=case.id)
    return _copy(records_request, current)


def do_cancel_request(records_request: RecordsRequest, *, acting_user) -> RecordsRequest:
    """Ask the provider no more (written down by mistake, the records came another way, the
    provider has none): kept, marked cancelled."""
    policy.check(acting_user, records_request.case, "manage_requests")
    with transaction.atomic():
        case, current = _locked(records_request, "manage_requests", acting_user)
        current.cancelled_on = timezone.localdate()
        current.save(update_fields=["cancelled_on"])
        add_event(case, EventKind.RECORDS_CANCELLED, acting_user)
        audit(acting_user, "records_request.cancel", current, case_id=case.id)
    return _copy(records_request, current)
