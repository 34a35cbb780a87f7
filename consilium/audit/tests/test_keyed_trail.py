"""Rewriting the trail with write access to the database: the keyed chain and the anchor
outside the database catch it (issue 17, finding 4)."""

import hashlib
import hmac
import importlib
import json
import os
import stat

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from consilium.audit.models import GENESIS_HASH, KEYED, PLAIN, AuditEntry, AuditHead
from consilium.audit.trail import record_many, verify, verify_anchor, verify_chain

READERS = ("patient", "patient2", "coordinator")


@pytest.fixture
def anchored(settings, tmp_path):
    settings.AUDIT_ANCHOR = str(tmp_path / "audit-anchor.log")
    return tmp_path / "audit-anchor.log"


@pytest.fixture
def trail(users, anchored, django_capture_on_commit_callbacks):
    """120 rows by three users, appended in 60 transactions (as pages and actions do), each
    sealed and anchored after it commits."""
    for i in range(60):
        reader = users[READERS[i % 3]]
        with django_capture_on_commit_callbacks(execute=True):
            record_many(reader, "user.view", [users["physician"], users["caregiver"]])
    assert AuditEntry.objects.count() == 120
    return anchored


def _raw(sql, params=()):
    # Tampering happens below the ORM, the way someone with database access would do it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _cut_the_end(rows: int):
    kept = list(AuditEntry.objects.order_by("id"))[:-rows]
    _raw(f"DELETE FROM audit_auditentry WHERE id > {kept[-1].id}")
    _raw("UPDATE audit_audithead SET hash = %s, count = %s", [kept[-1].hash, len(kept)])


def _rechain(hash_of, *, scheme=KEYED):
    """Re-chain every row still there, as an attacker without the key would have to."""
    prev = GENESIS_HASH
    for seq, entry in enumerate(AuditEntry.objects.order_by("id"), start=1):
        entry.prev_hash, entry.scheme, entry.seq = prev, scheme, seq
        content = {**entry._content(), **({"seq": seq} if scheme == KEYED else {})}
        prev = hash_of(json.dumps(content, sort_keys=True, separators=(",", ":")).encode())
        _raw("UPDATE audit_auditentry SET prev_hash = %s, hash = %s, scheme = %s, seq = %s "
             "WHERE id = %s", [entry.prev_hash, prev, scheme, seq, entry.id])
    _raw("UPDATE audit_audithead SET hash = %s, count = %s",
         [prev, AuditEntry.objects.count()])


def _delete_rows_of(user):
    _raw("DELETE FROM audit_auditentry WHERE actor_id = %s", [user.id])


def plain_sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def guessed_key(payload: bytes) -> str:
    return hmac.new(b"consilium", payload, hashlib.sha256).hexdigest()


def test_a_normal_trail_and_its_anchor_verify(trail, capsys):
    assert verify() == (120, None, "")
    call_command("verify_audit")
    assert f"intact: 120 rows, anchored in {trail}" in capsys.readouterr().out
    lines = trail.read_text().splitlines()
    assert len(lines) == 60  # one line per seal, not per row
    assert lines[-1].split()[:2] == ["120", AuditHead.objects.get().hash]
    assert stat.S_IMODE(os.stat(trail).st_mode) == 0o600


def test_rows_are_keyed_and_numbered(trail):
    rows = list(AuditEntry.objects.order_by("id"))
    assert {r.scheme for r in rows} == {KEYED}
    assert [r.seq for r in rows] == list(range(1, 121))
    # The same content under plain SHA-256 does not give the stored hash.
    assert rows[0].hash != plain_sha(json.dumps(
        {**rows[0]._content(), "seq": 1}, sort_keys=True, separators=(",", ":")).encode())


def test_cutting_50_rows_and_fixing_the_head_is_caught_by_the_anchor(trail):
    _cut_the_end(50)
    assert verify_chain() == (70, None, "")  # what the database alone still says
    checked, broken, problem = verify()
    assert (checked, broken) == (70, None)
    assert "the anchor names row 120, but the trail has 70: rows at its end were removed" in problem
    with pytest.raises(CommandError, match="rows at its end were removed"):
        call_command("verify_audit")


@pytest.mark.parametrize("scheme", [PLAIN, KEYED])
def test_deleting_a_users_rows_and_rechaining_with_plain_sha_is_caught(
        trail, users, settings, scheme):
    _delete_rows_of(users["patient2"])
    _rechain(plain_sha, scheme=scheme)
    settings.AUDIT_ANCHOR = ""  # even without the anchor
    checked, broken, problem = verify()
    assert broken is not None
    assert "re-chained" in problem or "without the key" in problem
    with pytest.raises(CommandError, match="Audit trail broken"):
        call_command("verify_audit")


def test_rechaining_with_a_guessed_key_is_caught(trail, users, settings):
    _delete_rows_of(users["patient2"])
    _rechain(guessed_key)
    settings.AUDIT_ANCHOR = ""
    checked, broken, problem = verify()
    assert checked == 0 and broken == AuditEntry.objects.order_by("id").first()
    assert "without the key" in problem


def test_even_with_the_key_the_anchor_catches_a_rechained_trail(trail, users, settings):
    key = settings.AUDIT_KEY.encode()
    _delete_rows_of(users["patient2"])
    _rechain(lambda payload: hmac.new(key, payload, hashlib.sha256).hexdigest())
    assert verify_chain() == (80, None, "")
    _, _, problem = verify()
    assert "hash the trail does not hold there: it was rewritten" in problem


def test_an_anchor_missing_its_last_lines_is_reported(trail, capsys):
    lines = trail.read_text().splitlines(keepends=True)
    trail.write_text("".join(lines[:-5]))
    _, broken, problem = verify()
    assert broken is None and "the newest 10 rows are not in the anchor" in problem
    with pytest.raises(CommandError, match="not in the anchor"):
        call_command("verify_audit")
    # Once looked into, the head can be anchored again (only when the chain is intact).
    call_command("verify_audit", "--anchor-now")
    assert "Anchored the head (row 120)" in capsys.readouterr().out
    assert verify() == (120, None, "")


def test_an_anchor_cut_mid_line_or_with_a_forged_line_is_reported(trail):
    whole = trail.read_bytes()
    trail.write_bytes(whole[:-20])
    assert "line 60 of the anchor is cut short" in verify()[2]
    count, head_hash = 200, "f" * 64
    trail.write_bytes(whole + f"{count} {head_hash} {'0' * 64}\n".encode())
    assert "line 61 of the anchor was not written with the audit key" in verify()[2]


def test_the_anchors_of_several_web_machines_are_checked_together(trail, tmp_path, capsys):
    lines = trail.read_text().splitlines(keepends=True)
    one, other = tmp_path / "web1.log", tmp_path / "web2.log"
    one.write_text("".join(lines[0::2]))
    other.write_text("".join(lines[1::2]))
    assert verify_anchor(120, [str(one), str(other)]) == ("", False)
    call_command("verify_audit", "--anchor", str(one), "--anchor", str(other))
    assert f"anchored in {one}, {other}" in capsys.readouterr().out
    assert verify_anchor(120, [str(one)])[1]  # the other machine's newest line is missing
    _cut_the_end(50)
    assert "rows at its end were removed" in verify_anchor(70, [str(one), str(other)])[0]


def test_a_missing_anchor_file_is_reported(trail):
    trail.unlink()
    assert "the newest 120 rows are not in the anchor" in verify()[2]


def test_an_append_in_a_transaction_that_rolls_back_anchors_nothing(
        users, anchored, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            record_many(users["patient"], "user.view", [users["physician"]])
            raise RuntimeError
    assert not anchored.exists()
    assert verify() == (0, None, "")


def test_rows_from_before_the_key_stay_verifiable_and_are_sealed(
        users, settings, anchored, django_capture_on_commit_callbacks):
    """A trail written with plain SHA-256 (before this change) verifies as before; the
    migration seals it with a keyed row, so it cannot be swapped for a plain re-chain."""
    with django_capture_on_commit_callbacks(execute=True):
        record_many(users["patient"], "user.view", [users["physician"]] * 5)
    _rechain(plain_sha, scheme=PLAIN)  # what an old installation holds
    _raw("UPDATE audit_auditentry SET seq = NULL")
    assert "ends in rows without the key" in verify_chain()[2]

    migration = importlib.import_module("consilium.audit.migrations.0003_keyed_chain")
    migration.seal_plain_rows(apps, None)
    seal = AuditEntry.objects.latest("id")
    assert (seal.action, seal.scheme, seal.seq) == ("audit.keyed", KEYED, 6)
    settings.AUDIT_ANCHOR = ""
    assert verify() == (6, None, "")
    with django_capture_on_commit_callbacks(execute=True):
        record_many(users["patient"], "user.view", [users["caregiver"]] * 3)
    assert verify() == (9, None, "")

    # Removing a plain row and re-chaining the plain part breaks the keyed seal.
    _raw("DELETE FROM audit_auditentry WHERE id = %s",
         [AuditEntry.objects.order_by("id").first().id])
    prev = GENESIS_HASH
    for entry in AuditEntry.objects.filter(scheme=PLAIN).order_by("id"):
        entry.prev_hash = prev
        prev = entry.compute_hash()
        _raw("UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
             [entry.prev_hash, prev, entry.id])
    _, broken, problem = verify()
    assert broken.id == seal.id and "removed or altered" in problem


def test_check_deploy_wants_an_anchor_outside_the_database_folder(settings, tmp_path):
    from consilium.audit.checks import check_audit_anchor

    settings.AUDIT_ANCHOR = ""
    assert [m.id for m in check_audit_anchor()] == ["audit.E001"]
    settings.AUDIT_ANCHOR = str(settings.VAR_DIR / "audit-anchor.log")
    assert [m.id for m in check_audit_anchor()] == ["audit.E002"]
    settings.AUDIT_ANCHOR = str(tmp_path / "elsewhere.log")
    assert check_audit_anchor() == []
