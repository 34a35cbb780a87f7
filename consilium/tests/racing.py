"""Racing an action against a transaction that holds rows locked, on PostgreSQL.

The holder takes its locks (and makes its change, uncommitted); the action runs in its own
thread and database connection; once the action waits for a lock (or has ended without
waiting), the holder looks at what the action holds, then commits and the action goes on.
So a check made before the lock, on the state the holder is about to replace, is caught
every time, without sleeping and hoping. SQLite has no row locks: these tests skip there.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from consilium.cases.models import Case
from consilium.consultations.models import Consultation

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="row locks are PostgreSQL's (SQLite locks the file)")
WAIT_SECONDS = 10


@dataclass
class Race:
    result: Any = None
    error: Exception | None = None
    waited: bool = False  # the action was waiting for a lock when the holder looked
    seen: Any = None  # what ``while_waiting`` found


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def race(hold: Callable[[], Any], action: Callable[[], Any],
         while_waiting: Callable[[], Any] | None = None) -> Race:
    """Run ``hold()`` in a transaction, then ``action()`` in another thread; when the action
    waits for a lock or has ended, call ``while_waiting()`` (the holder's locks still held),
    commit, and return how the action ended."""
    outcome = Race()

    def run():
        try:
            outcome.result = action()
        except Exception as error:  # the action's refusal is what the tests look at
            outcome.error = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    with transaction.atomic():
        hold()
        thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while thread.is_alive() and not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "the action neither waited nor ended"
            time.sleep(0.01)
        outcome.waited = thread.is_alive()
        if while_waiting is not None:
            outcome.seen = while_waiting()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive(), "the action did not end once the holder committed"
    return outcome


def free_to_lock(queryset) -> bool:
    """No other transaction holds these rows locked (tried without waiting, in a savepoint,
    so a refusal leaves the holder's transaction usable). The rows stay locked by the holder
    until it commits."""
    try:
        with transaction.atomic():
            list(queryset.select_for_update(nowait=True))
    except DatabaseError:
        return False
    return True


def waits_for_the_case_first(consultation, action) -> Race:
    """Run ``action`` while the consultation's case is held: it must wait for the case
    holding nothing of the consultation yet (the lock order of every consultation and
    opinion action), then end without error. Returns how it ended."""
    ended = race(lambda: Case.objects.select_for_update().get(id=consultation.case_id),
                 action,
                 lambda: free_to_lock(Consultation.objects.filter(id=consultation.id)))
    assert ended.waited, "the action did not wait for the case"
    assert ended.seen, "the action held the consultation while it waited for the case"
    assert ended.error is None, ended.error
    return ended
