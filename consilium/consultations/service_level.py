"""The program's service level, in business days (weekdays that are not holidays).

The clock for an opinion starts when the case's records are complete; an offer waits a few
business days for the specialist's answer. Holidays come from settings (CONSILIUM_HOLIDAYS,
ISO dates), so each program keeps its own calendar.
"""

from datetime import date, timedelta

from django.conf import settings


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in settings.HOLIDAYS


def add_business_days(start: date, days: int) -> date:
    """The business day ``days`` business days after ``start`` (counting from the next day:
    work that starts on a Friday with one day to go is due on Monday)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (negative when end is
    earlier)."""
    if end < start:
        return -business_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_business_day(start + timedelta(days=n)))


def opinion_due(records_complete_on: date) -> date:
    return add_business_days(records_complete_on, settings.SERVICE_LEVEL_DAYS)


def answer_due(offered_on: date) -> date:
    return add_business_days(offered_on, settings.OFFER_ANSWER_DAYS)
