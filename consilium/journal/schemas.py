"""A journal note, declared once (consilium/schemas.py says how): the journal page hands its
text to ``do_add_note``, which reads it with ``NoteIn``."""

from typing import Annotated

from consilium.schemas import FreeText, InputSchema, written

NOTE_LIMIT = 10_000


class NoteIn(InputSchema):
    """A note the patient keeps for themselves (only they read it)."""

    text: Annotated[str, FreeText(NOTE_LIMIT), written("Write something first.")]
