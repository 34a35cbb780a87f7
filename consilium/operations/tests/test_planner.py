"""The query planner's statistics: written after a migrate that applied migrations and by
the hourly job, so that the work queue's first page is read from its index
(consilium/operations/planner.py). On both databases: each keeps them in its own table."""

from django.apps import apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from consilium.operations.planner import refresh_statistics


def _forget() -> None:
    """Drop the statistics, so that only a refresh can bring them back (PostgreSQL: those
    of the cases table only; the test role owns the database)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_stat1")
        else:
            cursor.execute("DELETE FROM pg_statistic WHERE starelid = 'cases_case'::regclass")


def _known() -> bool:
    """Whether the planner knows the queue's order: SQLite the index case_waiting,
    PostgreSQL the column status_changed_at."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE idx = 'case_waiting'")
        else:
            cursor.execute("SELECT 1 FROM pg_stats WHERE tablename = 'cases_case' AND "
                           "attname = 'status_changed_at'")
        return cursor.fetchone() is not None


def test_a_refresh_gives_the_planner_the_queues_order(journey):
    journey("submitted")
    _forget()
    assert not _known()
    refresh_statistics()
    assert _known()


def test_the_hourly_job_refreshes_them(journey, capsys):
    journey("submitted")
    _forget()
    call_command("check_deadlines")
    assert "Query planner statistics refreshed." in capsys.readouterr().out
    assert _known()


def test_a_migrate_that_applied_migrations_refreshes_them_and_a_flush_does_not(journey):
    journey("submitted")
    _forget()
    emit_post_migrate_signal(0, False, connection.alias)  # as flush does, with no plan
    assert not _known()
    applied = MigrationLoader(connection).graph.nodes[("cases", "0020_queue_and_list_indexes")]
    emit_post_migrate_signal(0, False, connection.alias, plan=[(applied, False)],
                             apps=apps)
    assert _known()
