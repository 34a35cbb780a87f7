"""A message, declared once (consilium/schemas.py says how): the conversation page hands its
values to ``do_send_message``, which reads them with ``MessageIn``, the API's payload too.
Whether a reply may go where it is sent, and who may ask a blocking question, depends on the
case and its thread: the action checks that."""

from typing import Annotated
from uuid import UUID

from pydantic import Field

from consilium.schemas import FreeText, InputSchema, blank_as, says, written

from .models import MAX_BODY, Audience

NOT_OF_THE_CASE = "That message is not part of this case."


class MessageIn(InputSchema):
    """A message to everyone on the case or, ``audience`` "staff", to the care team only
    (coordinators and the specialist who accepted the case); ``reply_to``: a message of the
    thread (a reply goes to its thread's audience); ``blocking``: the specialist waits on the
    patient's answer."""

    body: Annotated[str, FreeText(MAX_BODY), written("Write the message.")]
    audience: Annotated[Audience, says("Choose everyone on the case or the care team only.")
                        ] = Field(Audience.CASE, description="Left out: everyone on the case.")
    reply_to: Annotated[UUID | None, blank_as(None), says(NOT_OF_THE_CASE)] = None
    blocking: Annotated[bool, blank_as(False), says("Give true or false.")] = False
