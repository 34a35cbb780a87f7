"""Appending locks nothing shared; the sealer chains committed rows afterwards (issue 23).

A row is appended pending, with its own keyed HMAC; ``seal()`` gives it its place and chained
hash after the transaction commits. ``verify`` still catches every tampering: a pending row
altered or forged, a sealed row removed or moved, a row left pending because no sealer ran.
"""

import os
import signal
import threading
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consilium.audit.management.commands.seal_audit import seal_once
from consilium.audit.models import AuditEntry, AuditHead
from consilium.audit.trail import SEAL_LATE, record, record_many, seal, verify
from consilium.tests.racing import on_postgresql

NOW = datetime.fromisoformat("2026-05-04 10:00+00:00")


def _raw(sql, params=()):
    # Tampering happens below the ORM, the way someone with database access would do it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def appended(users):
    """Five rows sealed, then three appended and not sealed yet."""
    record_many(users["patient"], "user.view", [users["physician"]] * 5)
    assert seal() == 5
    record_many(users["coordinator"], "user.view", [users["patient"], users["caregiver"],
                                                    users["physician"]])
    return list(AuditEntry.objects.order_by("id"))


def test_rows_exist_at_once_and_are_chained_when_sealed(appended):
    pending = appended[5:]
    assert all(e.hash is None and e.seq is None and e.prev_hash is None for e in pending)
    assert all(e.row_hmac == e.compute_row_hmac() for e in pending)
    assert verify() == (8, None, "")  # five sealed, three pending with a right HMAC
    assert seal() == 3
    rows = list(AuditEntry.objects.order_by("seq"))
    assert [r.id for r in rows] == [e.id for e in appended]
    assert [r.seq for r in rows] == list(range(1, 9))
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:],
                                                                          strict=False))
    assert (AuditHead.objects.get().hash, AuditHead.objects.get().count) == (rows[-1].hash, 8)
    assert verify() == (8, None, "")
    assert seal() == 0  # nothing left


def test_the_command_counts_the_rows_not_sealed_yet(appended, capsys):
    call_command("verify_audit")
    assert "intact: 8 rows (3 not sealed yet)" in capsys.readouterr().out


def test_a_pending_row_altered_is_reported_and_never_sealed(appended, caplog):
    victim = appended[6]
    _raw("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["42", victim.id])
    checked, broken, problem = verify()
    assert (checked, broken.id) == (6, victim.id)
    assert "not sealed yet and its content was altered" in problem
    with pytest.raises(CommandError, match=f"row {victim.id}"):
        call_command("verify_audit")
    assert seal() == 2  # the others are chained, the altered one stays out
    assert f"Audit row {victim.id} was altered before it was sealed" in caplog.text
    assert AuditEntry.objects.get(id=victim.id).hash is None
    assert verify()[1].id == victim.id


def test_a_pending_row_added_without_the_key_is_reported(appended, users):
    _raw("INSERT INTO audit_auditentry (at, actor_username, actor_role, action, object_type, "
         "object_id, scheme, row_hmac) VALUES (%s, 'patient', 'patient', 'case.view', 'case', "
         "'1', 2, %s)", [timezone.now(), "0" * 64])
    forged = AuditEntry.objects.latest("id")
    assert verify()[1].id == forged.id
    assert seal() == 3 and AuditEntry.objects.get(id=forged.id).hash is None


def test_a_pending_row_given_a_place_is_reported(appended):
    _raw("UPDATE audit_auditentry SET seq = 99 WHERE id = %s", [appended[5].id])
    assert "given a place in the trail" in verify()[2]


def test_a_sealed_row_deleted_is_reported(appended):
    seal()
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [appended[6].id])
    _, broken, problem = verify()
    assert broken.id == appended[7].id and "removed" in problem


def test_sealed_rows_reordered_are_reported(appended):
    seal()
    one, other = appended[2], appended[3]
    _raw("UPDATE audit_auditentry SET seq = NULL WHERE id = %s", [one.id])
    _raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [one.seq, other.id])
    _raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [other.seq, one.id])
    _, broken, problem = verify()
    assert broken is not None and ("removed or altered" in problem or "place" in problem)


def test_a_row_left_pending_too_long_is_reported_and_the_hourly_job_seals_it(users, capsys):
    with time_machine.travel(NOW, tick=False):
        record(users["patient"], "user.view", users["physician"])
    with time_machine.travel(NOW + SEAL_LATE + timedelta(minutes=1), tick=False):
        assert "still not sealed: no sealer ran" in verify()[2]
        call_command("check_deadlines")
        assert "1 audit rows sealed." in capsys.readouterr().out
        assert verify() == (1, None, "")


def test_the_seal_command_seals(appended, capsys):
    call_command("seal_audit")
    assert "3 audit rows sealed." in capsys.readouterr().out


def test_a_rolled_back_append_leaves_nothing_to_seal(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(users["patient"], "user.view", users["physician"])
        raise RuntimeError
    assert not AuditEntry.objects.exists() and seal() == 0


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_appends_do_not_wait_for_each_other_and_are_sealed_in_order(users):
    """One transaction holds an appended row, uncommitted; another appends and commits at
    once, and its row is sealed after its commit (the first one's is not visible yet); once
    the first commits, its seal chains its row after, and the trail verifies."""
    other: dict = {}

    def append_elsewhere():
        try:
            started = timezone.now()
            record(users["coordinator"], "user.view", users["patient"])  # commits, then seals
            other["took"] = timezone.now() - started
            other["row"] = AuditEntry.objects.get(actor=users["coordinator"])
        finally:
            connections.close_all()

    with transaction.atomic():
        record(users["patient"], "user.view", users["physician"])
        mine = AuditEntry.objects.get(actor=users["patient"])
        thread = threading.Thread(target=append_elsewhere)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the other append waited for this transaction"
        assert other["took"] < timedelta(seconds=2)
        # Sealed before mine: its seal took the head while this transaction was open.
        assert other["row"].id > mine.id and other["row"].seq == 1
    sealed = AuditEntry.objects.get(id=mine.id)
    assert sealed.seq == 2 and sealed.prev_hash == other["row"].hash
    assert verify() == (2, None, "")


@pytest.mark.django_db(transaction=True)
def test_a_page_seals_its_rows_once_its_response_is_ready(client, journey, users, login):
    """A case page appends several times (the case, its records, its messages...): all its
    rows are chained by the one seal after the response, none left pending."""
    case, _ = journey("accepted")
    seal()
    login(users["coordinator"])
    assert client.get(f"/cases/{case.id}/").status_code == 200
    assert not AuditEntry.objects.pending().exists()
    assert AuditEntry.objects.filter(action="case.view", case_id=case.id).exists()
    assert verify()[2] == ""


@pytest.mark.django_db(transaction=True)
def test_a_page_appends_its_reads_in_one_insert(client, journey, users, login):
    """Outside a transaction, the page's reads (the case, its records, its messages...) wait
    for its response and are inserted together: one write per page, not one per read."""
    case, _ = journey("opinion_delivered")
    login(users["patient"])
    start = AuditEntry.objects.latest("id").id
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/cases/{case.id}/").status_code == 200
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "audit_auditentry"')]
    assert len(inserts) == 1
    read = AuditEntry.objects.filter(id__gt=start).values_list("action", flat=True)
    assert sorted(read) == ["case.view", "opinion.view"]


@pytest.mark.django_db(transaction=True)
def test_with_a_sealer_process_a_page_leaves_its_rows_to_it(client, journey, users, login,
                                                             settings):
    """CONSILIUM_AUDIT_SEALER (manage.py serve runs the sealer): the page seals nothing, so
    it never waits for the head; the sealer's next pass chains its rows."""
    case, _ = journey("accepted")
    seal()
    settings.AUDIT_SEALER = True
    login(users["coordinator"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/cases/{case.id}/").status_code == 200
    assert not [q for q in queries if "audit_audithead" in q["sql"]]
    pending = AuditEntry.objects.pending().count()
    assert pending and AuditEntry.objects.pending().filter(action="case.view").exists()
    seal_once()
    assert not AuditEntry.objects.pending().exists()
    assert verify()[2] == ""


@pytest.mark.django_db(transaction=True)
def test_the_sealer_seals_until_it_is_stopped(users, capsys):
    """``seal_audit --follow`` seals at each pass and, asked to stop (SIGTERM, as manage.py
    serve and systemd ask), seals once more and ends."""
    record_many(users["patient"], "user.view", [users["physician"]] * 3)
    before = signal.getsignal(signal.SIGTERM)

    def stop_once_it_listens():
        # Only once the command has its own handler: never the test run's default one.
        while signal.getsignal(signal.SIGTERM) is before:
            time.sleep(0.05)
        time.sleep(0.3)  # a few passes
        os.kill(os.getpid(), signal.SIGTERM)

    stop = threading.Thread(target=stop_once_it_listens)
    stop.start()
    call_command("seal_audit", "--follow", "--every", "0.1")
    stop.join()
    assert "Sealing the audit trail every 0.1 s." in capsys.readouterr().out
    assert not AuditEntry.objects.pending().exists() and verify() == (3, None, "")
    assert signal.getsignal(signal.SIGTERM) is before  # its own handler is gone again


def test_the_sealer_refuses_a_pause_of_no_time(db):
    with pytest.raises(CommandError, match="above 0"):
        call_command("seal_audit", "--follow", "--every", "0")
