"""A record's type as a person corrects it, declared once (consilium/schemas.py says how):
``do_set_record_type`` reads it with ``RecordTypeIn``; a checklist mark with
``ChecklistMarkIn`` (checklist_actions.py); a request for records to a provider with
``RecordsRequestIn``, ``RequestSentIn`` and ``RequestReceivedIn`` (request_actions.py)."""

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from consilium.schemas import Day, FreeText, InputSchema, OneOf, refuse, says, written

from .models import ChecklistMark, RecordType


class RecordTypeIn(InputSchema):
    """The type the record really is (the guess at upload may be wrong)."""

    record_type: Annotated[RecordType, says("Choose one of the listed types.")]


class ChecklistMarkIn(InputSchema):
    """The patient's mark on a checklist item: sent another way, not had, or none (blank)."""

    key: Annotated[str, FreeText(40), written("Choose an item of the checklist.")]
    mark: Annotated[ChecklistMark.Mark | None, OneOf(ChecklistMark.Mark)] = None


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DAY = "Give the date as YYYY-MM-DD."


def _email(text: str) -> str:
    if text and not EMAIL.fullmatch(text):
        refuse("Write an email address like records@hospital.org, or leave it empty.")
    return text


class RecordsRequestIn(InputSchema):
    """Who is asked for records and what: the provider's name (needed), how to reach them,
    the checklist items asked (keys of the case's checklist, checked by the action) and
    anything else asked in words."""

    provider_name: Annotated[str, FreeText(200), written("Give the provider's name.")]
    provider_address: Annotated[str, FreeText(500)] = ""
    provider_phone: Annotated[str, FreeText(40)] = ""
    provider_fax: Annotated[str, FreeText(40)] = ""
    provider_email: Annotated[str, FreeText(254), AfterValidator(_email)] = ""
    asked_items: Annotated[list[Annotated[str, FreeText(40)]], Field(max_length=40),
                           says("Choose items of the checklist.")] = []
    asked_text: Annotated[str, FreeText(2000)] = ""


class RequestSentIn(InputSchema):
    """The day the request went out (today when not given) and the day it is due (the
    setting's days later when not given)."""

    sent_on: Annotated[date | None, Day(DAY)] = None
    due_on: Annotated[date | None, Day(DAY)] = None


class RequestReceivedIn(InputSchema):
    """The day the records came (today when not given)."""

    received_on: Annotated[date | None, Day(DAY)] = None
