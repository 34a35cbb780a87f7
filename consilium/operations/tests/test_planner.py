"""SQLite's planner statistics: written after migrate and by the hourly job, so that the
work queue's first page is read from its index (consilium/operations/planner.py)."""

import pytest
from django.core.management import call_command
from django.db import connection

from consilium.operations.planner import refresh_statistics

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statistics")


def _stat(index: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        return cursor.fetchall()


def test_the_statistics_cover_the_queues_index_once_there_are_cases(journey):
    journey("submitted")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
    assert _stat("case_waiting") == []
    assert refresh_statistics()
    assert _stat("case_waiting")


def test_the_hourly_job_refreshes_them(journey, capsys):
    journey("submitted")
    call_command("check_deadlines")
    assert "Query planner statistics refreshed." in capsys.readouterr().out
    assert _stat("case_waiting")


@pytest.mark.django_db(transaction=True)
def test_migrate_refreshes_them(journey):
    journey("submitted")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
    call_command("migrate", verbosity=0)
    assert _stat("case_waiting")
