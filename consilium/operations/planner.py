"""The database's query planner statistics, kept fresh.

SQLite plans a query from ``sqlite_stat1``, which only ANALYZE writes: without it, or with it
older than an index, it may read the wrong table first (the work queue's first page sorted
out of every open case, 100 ms at 100,000 cases, where the index gives it at once). So the
statistics are refreshed after a migrate that applied migrations and by the hourly
check_deadlines, reading every index whole. A sampled ANALYZE (``analysis_limit`` 1000)
was tried and misled SQLite: sampled from each index's start, it put a status at 1,001 cases
where it has 13,910 and a patient at 48 cases where they have 551, and the queue's first page
was read patient by patient (43 ms rather than 1 at 111,000 cases). Reading them whole took
0.3 s at 111,000 cases. PostgreSQL's autovacuum analyses too, but only once enough rows
changed: the same ANALYZE (sampled by PostgreSQL itself, over the whole table) keeps both
databases on one path.
"""

from django.db import connections


def refresh_statistics(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """post_migrate, sent once per app with models (also by flush, with no plan): refresh
    once, after the last app's, when migrations were applied."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module is not None]
    if plan and sender is with_models[-1]:
        refresh_statistics(using)
