"""On PostgreSQL the application's role can append to the trail and seal a pending row once,
but not rewrite it (issue 17, finding 4; issue 23). Runs in the throw-away server of
scripts/with-postgres."""

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from psycopg import errors

from consilium.audit.models import AuditEntry
from consilium.audit.trail import record, seal, verify

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="roles and grants are PostgreSQL's")
ROLE = "consilium_app_test"


def _sql(statement):
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def as_app_role(db):
    """A role with the privileges an application role usually gets on every table, then the
    audit grants; the test runs as it (SET ROLE), the way the web processes would connect."""
    _sql(f"CREATE ROLE {ROLE} NOLOGIN")
    _sql(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    _sql(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public "
         f"TO {ROLE}")
    _sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    call_command("audit_grants", ROLE, "--apply")
    _sql(f"SET ROLE {ROLE}")
    try:
        yield
    finally:
        _sql("RESET ROLE")


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET actor_username = 'mallory'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "DELETE FROM audit_audithead",
])
def test_the_app_role_cannot_rewrite_the_trail(users, as_app_role, statement):
    record(users["coordinator"], "user.view", users["patient"])  # appending works
    with pytest.raises(ProgrammingError) as refused, transaction.atomic():
        _sql(statement)
    assert isinstance(refused.value.__cause__, errors.InsufficientPrivilege)
    assert AuditEntry.objects.filter(actor=users["coordinator"]).count() == 1
    assert verify()[2] == ""


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET hash = md5('x') || md5('y')",
    "UPDATE audit_auditentry SET seq = seq + 100",
    "UPDATE audit_auditentry SET prev_hash = hash",
])
def test_the_app_role_seals_rows_once_and_never_again(users, as_app_role, statement):
    record(users["coordinator"], "user.view", users["patient"])
    assert seal() == 1  # the three chain columns of a pending row, as the app role
    with pytest.raises(ProgrammingError) as refused, transaction.atomic():
        _sql(statement)
    assert isinstance(refused.value.__cause__, errors.InsufficientPrivilege)
    assert verify() == (1, None, "")


def test_the_command_prints_the_statements(db, capsys):
    call_command("audit_grants", "consilium_web")
    printed = capsys.readouterr().out
    assert ("REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditentry FROM "
            '"consilium_web";') in printed
    assert 'GRANT SELECT, INSERT ON audit_auditentry TO "consilium_web";' in printed
    assert 'GRANT UPDATE (seq, prev_hash, hash) ON audit_auditentry TO "consilium_web";' in printed
    assert "CREATE TRIGGER audit_sealed_rows BEFORE UPDATE ON audit_auditentry" in printed
