"""A story and a review note, declared once (consilium/schemas.py says how): the story page
hands a draft to ``do_draft_story``, which reads it, with the journal entries picked added
to the text, as ``StoryIn``; ``do_submit_story`` reads ``SubmitIn``; ``do_review_story``
reads the administrator's answer with ``ReviewIn``."""

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator
from pydantic_core.core_schema import ValidationInfo

from consilium.schemas import FreeText, InputSchema, refuse, says, written

TITLE_LIMIT = 120
TEXT_LIMIT = 20_000
NOTE_LIMIT = 500

Title = Annotated[str, FreeText(TITLE_LIMIT),
                  says(f"Keep the title under {TITLE_LIMIT} characters.",
                       on=("string_too_long",)),
                  written("Give your story a title.")]
Text = Annotated[str, FreeText(TEXT_LIMIT),
                 says(f"Keep the story under {TEXT_LIMIT:,} characters.",
                      on=("string_too_long",))]


def _agreed(consent: bool) -> bool:
    if not consent:
        refuse("Tick the box to agree to publishing, or keep it as a draft.")
    return consent


class StoryIn(InputSchema):
    """A story: a title and a text, both written."""

    title: Title
    text: Annotated[Text, written("Write your story, or pick entries from your journal.")]


class SubmitIn(StoryIn):
    """The story as the patient last edited it, and their agreement to publish it."""

    consent: Annotated[bool, AfterValidator(_agreed)] = Field(False, validate_default=True)


class ReviewIn(InputSchema):
    """An administrator's answer: publish, or send back with a note saying what to change
    (a note may go with publishing too)."""

    approve: bool
    note: Annotated[str, FreeText(NOTE_LIMIT),
                    says(f"Keep the note under {NOTE_LIMIT} characters.",
                         on=("string_too_long",))] = Field("", validate_default=True)

    @field_validator("note")
    @classmethod
    def _said_why(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("approve") is False and not note:
            refuse("Tell the patient what to change.")
        return note
