"""Writing many rows at once, in plain SQL (the directory's importers, the matching rows, the
entries of a FHIR record): building and compiling model instances would cost more than the
rest of the work. COPY on PostgreSQL, where it is several times faster than INSERT through
executemany; executemany on SQLite, where an insert is already a local function call.
Values go as the driver takes them: JSON as text, datetimes through
connection.ops.adapt_datetimefield_value."""

from collections.abc import Iterable

from django.db import connection


def insert_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        # cursor.cursor is psycopg's own cursor, under Django's wrapper.
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",
                       list(rows))


def upsert_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple], *, key: str,
                updated: Iterable[str]) -> None:
    """Insert rows, or update the ``updated`` columns of those whose ``key`` exists. On
    PostgreSQL the rows are copied into a temporary table first, then merged in one
    statement."""
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in updated)
    if connection.vendor != "postgresql":
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "
                           f"({', '.join(['%s'] * len(columns))}) "
                           f"ON CONFLICT ({key}) DO UPDATE SET {updates}", list(rows))
        return
    cursor.execute("DROP TABLE IF EXISTS upsert_batch")
    cursor.execute(f"CREATE TEMPORARY TABLE upsert_batch AS SELECT {names} FROM {table} "
                   "WITH NO DATA")
    insert_rows(cursor, "upsert_batch", columns, rows)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM upsert_batch "
                   f"ON CONFLICT ({key}) DO UPDATE SET {updates}")
    cursor.execute("DROP TABLE upsert_batch")


def delete_rows(cursor, table: str, column: str, values: list, **equal) -> None:
    """Delete the rows whose ``column`` is one of ``values`` (and whose other columns equal
    ``equal``), past the model's signals: the importer rebuilds the matching rows of what it
    touched once, at the end, instead of once per deleted row."""
    if not values:
        return
    also = "".join(f" AND {name} = %s" for name in equal)
    cursor.execute(f"DELETE FROM {table} WHERE {column} IN "
                   f"({', '.join(['%s'] * len(values))}){also}", [*values, *equal.values()])
