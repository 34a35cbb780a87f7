"""One-time keys are forgotten after a week by the hourly job (``check_deadlines``): the rows
they made stay, and a key younger than that still answers a repeat."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone

from consilium.journal.models import JournalNote
from consilium.submissions.cleanup import KEPT_FOR
from consilium.submissions.models import Submission


def _note(client, case, key):
    return client.post(f"/cases/{case.id}/journal/", {"text": "Scared.", "submission_key": key})


def test_the_hourly_job_forgets_keys_older_than_a_week(client, login, journey, users):
    case, _ = journey("draft")
    login(users["patient"])
    start = timezone.now()
    with time_machine.travel(start - KEPT_FOR - timedelta(hours=1), tick=False):
        _note(client, case, "o" * 24)
    with time_machine.travel(start - KEPT_FOR + timedelta(hours=1), tick=False):
        _note(client, case, "y" * 24)
    out = StringIO()
    call_command("check_deadlines", stdout=out)
    assert "1 old request keys forgotten." in out.getvalue()
    assert list(Submission.objects.values_list("key", flat=True)) == ["y" * 24]
    assert JournalNote.objects.filter(case=case).count() == 2  # what they made stays
    _note(client, case, "y" * 24)  # the younger key still answers a repeat with its note
    assert JournalNote.objects.filter(case=case).count() == 2
