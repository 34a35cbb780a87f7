"""The database's query planner statistics, kept fresh.

SQLite plans a query from ``sqlite_stat1``, which only ANALYZE writes: without it, or with it
older than an index, it may read the wrong table first (the work queue's first page sorted
out of every open case, 100 ms at 100,000 cases, where the index gives it at once). So the
statistics are refreshed after a migrate that applied migrations and by the hourly
check_deadlines; on SQLite with ``analysis_limit``, so that each index is sampled, not read
whole. PostgreSQL's autovacuum analyses too, but only once enough rows changed: the same
ANALYZE (sampled by PostgreSQL itself) keeps both databases on one path.
"""

from django.db import connections

# Rows SQLite samples per index (its advice: 100 to 1000).
ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")


def after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """post_migrate, sent once per app with models (also by flush, with no plan): refresh
    once, after the last app's, when migrations were applied."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module is not None]
    if plan and sender is with_models[-1]:
        refresh_statistics(using)
