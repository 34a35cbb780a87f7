"""PostgreSQL: the application's role may add to the audit trail and read it, and seal a
pending row once (its place and hashes), never change or remove a row otherwise. Migrations
run as the tables' owner; the web and worker processes run as another role, to which these
statements give what the trail needs."""

from django.db import connection

TABLES = ("audit_auditentry", "audit_audithead")
SEALED_ROWS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_sealed_rows() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit row % is sealed: the trail is append-only', OLD.id "
    "USING ERRCODE = 'insufficient_privilege'; END $$")


def audit_grant_statements(role: str) -> list[str]:
    """The statements, for the owner to run once after ``migrate`` (and after each upgrade)."""
    who = connection.ops.quote_name(role)
    statements = [
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditentry FROM {who}",
        f"GRANT SELECT, INSERT ON audit_auditentry TO {who}",
        # The sealer (trail.seal) sets these three columns of a pending row, nothing else...
        f"GRANT UPDATE (seq, prev_hash, hash) ON audit_auditentry TO {who}",
        # ...and only once: a sealed row (one with a hash) is refused every change.
        SEALED_ROWS_FUNCTION,
        "DROP TRIGGER IF EXISTS audit_sealed_rows ON audit_auditentry",
        "CREATE TRIGGER audit_sealed_rows BEFORE UPDATE ON audit_auditentry "
        "FOR EACH ROW WHEN (OLD.hash IS NOT NULL) EXECUTE FUNCTION audit_sealed_rows()",
        # The head row is moved by every seal (its lock orders the chain); never removed.
        f"REVOKE DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_audithead FROM {who}",
        f"GRANT SELECT, UPDATE ON audit_audithead TO {who}",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditentry', 'id')")
        sequence = cursor.fetchone()[0]
    if sequence:
        statements.append(f"GRANT USAGE ON SEQUENCE {sequence} TO {who}")
    return statements
