"""Counting several querysets in one statement: a page that shows a few counts (the case
page's imaging series and unread messages, the queue's quick filters) pays for one query
rather than one each, each query being most of a millisecond of the ORM's work."""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def count_together(querysets: dict[str, QuerySet], cap: int | None = None) -> dict[str, int]:
    """Each queryset's row count, or up to ``cap`` + 1 of its rows when a cap is given (so
    that no count reads more): a scalar ``COUNT(*)`` subquery over each queryset's ids, with
    its SQL and parameters as the ORM compiles them (only the aliases, the caller's own
    identifiers, are written here). A queryset already narrowed to some values (such as
    ``.values("case_id").distinct()``) counts those; any other, its ids. A queryset that can
    match nothing (``.none()``) counts 0 without being asked."""
    asked, parts = [], []
    params: list = []  # the ORM's own parameters, passed on as they are
    found = dict.fromkeys(querysets, 0)
    for key, rows in querysets.items():
        assert key.isidentifier(), key
        rows = rows.order_by() if rows.query.values_select else rows.order_by().values("id")
        try:
            sql, row_params = (rows[:cap + 1] if cap is not None else rows).query.sql_with_params()
        except EmptyResultSet:
            continue
        asked.append(key)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS {key})")
        params.extend(row_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            found.update(zip(asked, cursor.fetchone(), strict=True))
    return found
