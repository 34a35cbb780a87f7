"""A record's type as a person corrects it, declared once (consilium/schemas.py says how):
``do_set_record_type`` reads it with ``RecordTypeIn``."""

from typing import Annotated

from consilium.schemas import InputSchema, says

from .models import RecordType


class RecordTypeIn(InputSchema):
    """The type the record really is (the guess at upload may be wrong)."""

    record_type: Annotated[RecordType, says("Choose one of the listed types.")]
