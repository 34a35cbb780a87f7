"""The database's query planner statistics, kept fresh.

SQLite plans a query from ``sqlite_stat1``, which only ANALYZE writes: without it, or with it
older than an index, it may read the wrong table first (the work queue's first page sorted
out of every open case, 100 ms at 100,000 cases, where the index gives it at once). So the
statistics are refreshed after each migrate and by the hourly check_deadlines, with
``analysis_limit`` so that each index is sampled, not read whole (a second, not a minute, on
a directory of a million). PostgreSQL's autovacuum analyses by itself: nothing to do there.
"""

from django.db import connections

# Rows sampled per index (SQLite's advice: 100 to 1000).
ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = "default") -> bool:
    """Refresh SQLite's planner statistics; False (nothing done) on other databases."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate, sent once per app with models: refresh once, after the last one's."""
    from django.apps import apps

    with_models = [app for app in apps.get_app_configs() if app.models_module is not None]
    if sender is with_models[-1]:
        refresh_statistics(using)
