from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from consilium.audit.grants import audit_grant_statements


class Command(BaseCommand):
    help = ("PostgreSQL: print (or, with --apply, run as the tables' owner) the statements that "
            "let ROLE add to the audit trail but never update, delete or truncate it.")

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web and worker processes connect as")
        parser.add_argument("--apply", action="store_true", help="run them now")

    def handle(self, *args, role, apply, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Only PostgreSQL has roles; on SQLite protect the file instead.")
        statements = audit_grant_statements(role)
        if apply:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        for statement in statements:
            self.stdout.write(statement + ";")
