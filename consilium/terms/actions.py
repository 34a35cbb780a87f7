"""An administrator changes the program's terms: a new row with every value, the values it
replaces and the reason, and an audit row. The change applies to what is worked out from then
on (a new due date, tomorrow's reminders, the follow-up questions still to ask); due dates
already set stay as they are."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from consilium.audit.trail import record
from consilium.errors import Conflict, InvalidInput

from .access import NUMBERS, defaults, forget, terms_of
from .models import ProgramSettings
from .policy import policy

# The sanity limits: (lowest, highest) for each number.
LIMITS = {
    "service_level_days": (1, 60),
    "offer_answer_days": (1, 20),
    "reminder_days_before": (0, 20),
    "task_reminder_days": (0, 60),
    "follow_up_questions": (0, 20),
    "records_request_days": (1, 90),
}
MOST_HOLIDAYS = 300
HOLIDAY_YEARS = 5  # a holiday lies within this many years of today, either way
MOST_REASON = 500
NOTHING_CHANGES = "These are the values in force already: nothing would change."


def _number(name: str, value) -> int | str:
    """The whole number, or the sentence saying why it is not one."""
    low, high = LIMITS[name]
    try:
        number = int(str(value).strip())
    except ValueError:
        return f"Write a whole number from {low} to {high}."
    if not low <= number <= high:
        return f"Choose a number from {low} to {high}."
    return number


def _holidays(lines) -> list[str] | str:
    """The dates, in order, as ISO text; or the sentence about the first wrong line."""
    today = timezone.localdate()
    earliest = today - timedelta(days=365 * HOLIDAY_YEARS)
    latest = today + timedelta(days=365 * HOLIDAY_YEARS)
    seen: set[date] = set()
    for number, line in enumerate(lines, 1):
        text = str(line).strip()
        if not text:
            continue
        try:
            day = line if isinstance(line, date) else date.fromisoformat(text)
        except ValueError:
            return (f"Line {number} (“{text[:20]}”) is not a date: write each as "
                    "year-month-day, for example 2026-12-25.")
        if not earliest <= day <= latest:
            return (f"Line {number} ({day.isoformat()}) is more than {HOLIDAY_YEARS} years "
                    "from today.")
        if day in seen:
            return f"Line {number} ({day.isoformat()}) is listed twice. Keep one."
        seen.add(day)
    if len(seen) > MOST_HOLIDAYS:
        return f"List at most {MOST_HOLIDAYS} holidays."
    return [day.isoformat() for day in sorted(seen)]


def validated(values: dict, reason: str) -> tuple[dict, str]:
    """The new values (as ProgramSettings stores them) and the reason, or InvalidInput with a
    sentence per wrong field. ``values["holidays"]`` is one date per item (blank items are
    skipped, and counted, so a message names the page's line)."""
    clean: dict = {name: _number(name, values.get(name, "")) for name in NUMBERS}
    clean["holidays"] = _holidays(values.get("holidays") or [])
    errors = {name: value for name, value in clean.items() if isinstance(value, str)}
    if "service_level_days" not in errors and "reminder_days_before" not in errors \
            and clean["reminder_days_before"] >= clean["service_level_days"]:
        errors["reminder_days_before"] = ("The reminder must come before the due date: "
                                          "choose fewer days than the service level.")
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = "Say why the settings change: it is kept in the history."
    elif len(reason) > MOST_REASON:
        errors["reason"] = f"Keep the reason to {MOST_REASON} characters."
    if errors:
        raise InvalidInput(errors)
    return clean, reason


def changes(before: dict, after: dict) -> dict:
    """The values that differ: {name: (before, after)}."""
    return {name: (before[name], after[name]) for name in after if before[name] != after[name]}


def do_change_program_settings(values: dict, reason: str, *, based_on: int,
                               acting_user) -> ProgramSettings:
    """Put new terms in force. ``based_on`` is the id of the change the administrator saw
    when they confirmed (0 for the environment's defaults): if another administrator changed
    the terms since, nothing is written and they are asked to look again."""
    policy.check(acting_user, None, "change")
    clean, reason = validated(values, reason)
    with transaction.atomic():
        # The newest row, locked, so two administrators confirming at once are answered in
        # turn (the second is told the terms moved). With no row yet there is nothing to lock:
        # two first changes at once both land, the later one in force, both in the history.
        in_force = ProgramSettings.objects.select_for_update().order_by("-id").first()
        if (in_force.id if in_force else 0) != based_on:
            raise Conflict("Another administrator changed the settings while you were "
                           "reviewing yours. Look at the values now in force and try again.")
        before = (terms_of(in_force) if in_force else defaults()).values()
        changed = changes(before, clean)
        if not changed:
            raise InvalidInput({"reason": NOTHING_CHANGES})
        row = ProgramSettings.objects.create(
            **clean, previous={name: old for name, (old, _) in changed.items()},
            reason=reason, changed_by=acting_user)
        record(acting_user, "program_settings.change", row)
    forget()
    return row
