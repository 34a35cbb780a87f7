"""The terms in force, read once per request: ``current()``.

The clock asks for the holidays once per business day it counts, and a busy page counts many
(every row of the work queue), so the newest row is held for the rest of the request: the
first ``current()`` of a request reads it (one query), the others reuse it. The hold is a
context variable, so two requests served by two threads never share it; it is dropped when a
request starts and ends (apps.py), when an administrator changes the terms (actions.py), and
after MAX_AGE seconds, so a long-running job (a task worker, a shell) sees a change made in
another process within a minute. Management commands run by cron are new processes anyway.

With no row the values are the environment variables (consilium/settings.py), read from
Django's settings at every call so they are always the configured defaults.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from .models import ProgramSettings

MAX_AGE = 60.0


@dataclass(frozen=True)
class Terms:
    service_level_days: int
    offer_answer_days: int
    reminder_days_before: int
    task_reminder_days: int
    follow_up_questions: int
    records_request_days: int
    holidays: frozenset[date]
    # The change in force, or None when the environment's defaults are.
    changed: ProgramSettings | None = None

    def values(self) -> dict:
        """The values as the rows store them (holidays as ISO dates, in order)."""
        return {name: getattr(self, name) for name in NUMBERS} | {
            "holidays": [day.isoformat() for day in sorted(self.holidays)]}


NUMBERS = ("service_level_days", "offer_answer_days", "reminder_days_before",
           "task_reminder_days", "follow_up_questions", "records_request_days")

# (the newest change's terms or None for the defaults, when it was read); None: nothing held.
_held: ContextVar[tuple[Terms | None, float] | None] = ContextVar("program_terms", default=None)


def defaults() -> Terms:
    """The environment's values, in force until the first change."""
    return Terms(service_level_days=settings.SERVICE_LEVEL_DAYS,
                 offer_answer_days=settings.OFFER_ANSWER_DAYS,
                 reminder_days_before=settings.REMINDER_DAYS_BEFORE,
                 task_reminder_days=settings.TASK_REMINDER_DAYS,
                 follow_up_questions=settings.FOLLOW_UP_QUESTIONS,
                 records_request_days=settings.RECORDS_REQUEST_DAYS,
                 holidays=frozenset(settings.HOLIDAYS))


def terms_of(row: ProgramSettings) -> Terms:
    return Terms(**{name: getattr(row, name) for name in NUMBERS},
                 holidays=frozenset(date.fromisoformat(day) for day in row.holidays),
                 changed=row)


def newest() -> ProgramSettings | None:
    return ProgramSettings.objects.select_related("changed_by").order_by("-id").first()


def current() -> Terms:
    """The terms in force: the newest change, or the environment's defaults."""
    held = _held.get()
    if held is None or time.monotonic() - held[1] > MAX_AGE:
        row = newest()
        held = (terms_of(row) if row is not None else None, time.monotonic())
        _held.set(held)
    return held[0] or defaults()


def forget(**_) -> None:
    """Drop the held row: the next ``current()`` reads the newest again."""
    _held.set(None)


def history():
    """Every change, newest first, with who made it."""
    return ProgramSettings.objects.select_related("changed_by").order_by("-id")
