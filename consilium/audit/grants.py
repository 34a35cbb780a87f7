"""PostgreSQL: the application's role may add to the audit trail and read it, never change
or remove a row. Migrations run as the tables' owner; the web and worker processes run as
another role, to which these statements give what the trail needs."""

from django.db import connection

TABLES = ("audit_auditentry", "audit_audithead")


def audit_grant_statements(role: str) -> list[str]:
    """The statements, for the owner to run once after ``migrate`` (and after each upgrade)."""
    who = connection.ops.quote_name(role)
    statements = [
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_auditentry FROM {who}",
        f"GRANT SELECT, INSERT ON audit_auditentry TO {who}",
        # The head row is updated on every append (its lock orders the chain); never removed.
        f"REVOKE DELETE, TRUNCATE, TRIGGER, REFERENCES ON audit_audithead FROM {who}",
        f"GRANT SELECT, UPDATE ON audit_audithead TO {who}",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditentry', 'id')")
        sequence = cursor.fetchone()[0]
    if sequence:
        statements.append(f"GRANT USAGE ON SEQUENCE {sequence} TO {who}")
    return statements
