import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from consilium.audit.models import AuditEntry, AuditHead
from consilium.audit.trail import record, seal, verify


@pytest.fixture
def trail(journey):
    journey("opinion_delivered")
    assert AuditEntry.objects.count() > 5
    seal()  # what happens after each of the journey's transactions commits
    return list(AuditEntry.objects.order_by("id"))


def _raw(sql, params):
    # Tampering happens below the ORM, the way an attacker with database access would do it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_untouched_trail_verifies(trail, capsys):
    assert verify() == (len(trail), None, "")
    call_command("verify_audit")
    assert f"intact: {len(trail)} rows" in capsys.readouterr().out


def test_each_row_chains_to_the_previous(trail):
    for previous, entry in zip(trail, trail[1:], strict=False):
        assert entry.prev_hash == previous.hash
    assert AuditHead.objects.get().hash == trail[-1].hash


def test_an_altered_row_is_reported(trail):
    victim = trail[3]
    _raw("UPDATE audit_auditentry SET actor_username = %s WHERE id = %s", ["mallory", victim.id])
    checked, broken, problem = verify()
    assert broken.id == victim.id and checked == 3
    assert "altered" in problem
    with pytest.raises(CommandError, match=f"row {victim.id}"):
        call_command("verify_audit")


def test_a_removed_row_is_reported(trail):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [trail[2].id])
    _, broken, problem = verify()
    assert broken.id == trail[3].id
    assert "removed" in problem


def test_removing_the_newest_rows_is_reported(trail):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [trail[-1].id])
    _, broken, problem = verify()
    assert broken is None and "end of the trail" in problem
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_the_orm_refuses_to_change_or_delete_rows(trail):
    entry = trail[0]
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(id=entry.id).update(action="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()


def test_rows_hold_who_what_and_where_but_no_content(users, journey):
    from consilium.audit.context import client_ip

    case, _ = journey("draft")
    token = client_ip.set("203.0.113.9")
    try:
        record(users["coordinator"], "case.view", case, case_id=case.id)
    finally:
        client_ip.reset(token)
    entry = AuditEntry.objects.latest("id")
    assert entry.ip_address == "203.0.113.9"
    assert entry.actor_role == "coordinator"
    stored = " ".join(str(v) for v in AuditEntry.objects.values_list().get(id=entry.id))
    assert "Breast" not in stored and "Mastectomy" not in stored


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(users, journey):
    """Writers in several threads (separate connections), each sealing after its commit or
    leaving its rows to the one sealing, never fork the chain and leave nothing unsealed."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    case, _ = journey("draft")
    before = AuditEntry.objects.count()

    def append(i):
        try:
            record(users["coordinator"], "case.view", case, case_id=case.id)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append, range(40)))
    assert AuditEntry.objects.count() == before + 40
    assert verify()[2] == ""
    assert not AuditEntry.objects.pending().exists()
