"""The follow-up plan's input, declared once (consilium/schemas.py says how): the plan page
hands a new step to ``do_add_task``, which reads it with ``TaskIn``, and an answer to an
outcome question to ``do_answer_outcome``, which reads it with ``OutcomeIn``."""

from datetime import date
from typing import Annotated

from consilium.schemas import Day, FreeText, InputSchema, says, written

from .models import Followed, Owner, TaskKind

TITLE_LIMIT = 300
OUTCOME_LIMIT = 5000


class TaskIn(InputSchema):
    """A step someone adds to the plan: what is to be done, what kind of step, who sees to
    it, and the day it is due."""

    title: Annotated[str, FreeText(TITLE_LIMIT), written("Say what is to be done.")]
    kind: Annotated[TaskKind, says("Choose one of the answers.")]
    owner: Annotated[Owner, says("Choose one of the answers.")]
    due_date: Annotated[date, Day("Give the date it is due, such as 2027-01-15.")]


class OutcomeIn(InputSchema):
    """The patient's answer to an outcome question: what they did, and how it went in their
    own words (optional)."""

    followed: Annotated[Followed, says("Choose what you did.")]
    outcome: Annotated[str, FreeText(OUTCOME_LIMIT)] = ""
