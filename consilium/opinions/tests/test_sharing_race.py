"""The one-time code of a shared report under parallel guessing: each try is taken before
the code is compared, in one conditional update, so parallel guesses cannot exceed the
limit. Real threads, each its own database connection, on SQLite and PostgreSQL."""

import re
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from consilium.opinions import sharing
from consilium.opinions.models import Opinion, ReportShare

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
GUESSES = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_never_get_more_than_five_tries(journey, users, settings,
                                                             monkeypatch):
    settings.TASKS = IMMEDIATE
    journey("opinion_delivered")
    share = sharing.do_share_report(Opinion.objects.get(), "dr.out@clinic.test", 14, True,
                                    acting_user=users["patient"])
    path = re.search(r"https?://[^/]+(/reports/\S+/)", mail.outbox[-1].body).group(1)
    sharing.do_send_code(share)
    code = re.search(r"is (\d{6})", mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    # Hashing a guess takes a moment, as under load: every request is in flight at once.
    real_hash = sharing.hash_token
    monkeypatch.setattr(sharing, "hash_token", lambda raw: time.sleep(0.05) or real_hash(raw))

    start, answers = threading.Barrier(GUESSES), []

    def guess():
        try:
            client = Client()
            start.wait()
            answers.append(client.post(path, {"action": "check", "code": wrong}).content)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == GUESSES
    compared = sum(b"That code is not right" in answer for answer in answers)
    refused = sum(b"tried too often" in answer for answer in answers)
    assert compared == sharing.CODE_ATTEMPTS and refused == GUESSES - compared
    assert ReportShare.objects.get().code_attempts == sharing.CODE_ATTEMPTS
    assert Client().post(path, {"action": "check", "code": code}).status_code == 422
