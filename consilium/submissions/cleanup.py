"""Forgetting one-time keys once no repeat can come: run by the hourly scheduled job
(``manage.py check_deadlines``).

A key guards against the same request twice: a double click, a browser's resend, an API
client's retry. A form's key lives no longer than the page it is on, which lives no longer
than its session (at most ``SESSION_HOURS``, 12 by default), and a client retries within
minutes; after ``KEPT_FOR`` a key can only be a stale one, so its row is deleted. What the
request made stays: only the note of which key made it goes.
"""

from datetime import timedelta

from django.utils import timezone

from .models import Submission

KEPT_FOR = timedelta(days=7)


def forget_old_submissions(now=None) -> int:
    """Delete the keys older than ``KEPT_FOR``; return how many."""
    before = (now or timezone.now()) - KEPT_FOR
    deleted, _ = Submission.objects.filter(created_at__lt=before).delete()
    return deleted
