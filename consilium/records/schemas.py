"""A record's type as a person corrects it, declared once (consilium/schemas.py says how):
``do_set_record_type`` reads it with ``RecordTypeIn``; a checklist mark with
``ChecklistMarkIn`` (checklist_actions.py)."""

from typing import Annotated

from consilium.schemas import FreeText, InputSchema, OneOf, says, written

from .models import ChecklistMark, RecordType


class RecordTypeIn(InputSchema):
    """The type the record really is (the guess at upload may be wrong)."""

    record_type: Annotated[RecordType, says("Choose one of the listed types.")]


class ChecklistMarkIn(InputSchema):
    """The patient's mark on a checklist item: sent another way, not had, or none (blank)."""

    key: Annotated[str, FreeText(40), written("Choose an item of the checklist.")]
    mark: Annotated[ChecklistMark.Mark | None, OneOf(ChecklistMark.Mark)] = None
