"""The run-time check of "the audit head is the last lock a transaction takes".

``audit.trail.record`` locks the single ``AuditHead`` row. A transaction that writes an audit
row and only then locks a case (or a consultation, an opinion, a record...) can deadlock on
PostgreSQL with one that locked that case first and now waits for the head. So, within one
transaction, every ``SELECT ... FOR UPDATE`` (or ``FOR SHARE``) of another table must come
before the first audit row. This watches the SQL of every test (through consilium/conftest.py)
and fails a test whose code locked a row after the audit head, naming the table.

Which transaction? In production a transaction is the outermost ``atomic`` block. Under
pytest-django's ``db`` fixture the whole test runs inside the test case's own atomic blocks,
so the code's ``atomic`` blocks are savepoints of one big transaction. The fixture notes how
many atomic blocks are open when the test starts (``base``: 0 for ``transactional_db``,
pytest-django's blocks otherwise): the code's transaction is the block at that depth, known
by the savepoint Django opened for it (``connection.savepoint_ids[base - 1]``; the ids are
unique on a connection) and by PostgreSQL's transaction ID (``txid_current()``, which tells
two real transactions apart when ``base`` is 0 and no savepoint names them). A lock of the
audit head notes that pair; a later lock of another table under the same pair is wrong, unless
it is the very query (SQL and values) the transaction ran before the head, which locks rows
it holds already (an action locking its case again, as an action it calls does). A new
action (a new outermost block, a new real transaction) has a new pair, so nothing carries over
from one to the next, with no patching of Django and no hook on commit or rollback.

SQLite has no row locks (Django leaves ``FOR UPDATE`` out of its SQL): this bites on
PostgreSQL only, which CI runs too.
"""

import re
import sys

import pytest
from django.db import connection

AUDIT_HEAD = "audit_audithead"
# Code that runs many actions in one transaction on purpose, and why that cannot deadlock.
ONE_TRANSACTION = {
    "consilium.accounts.management.commands.load_demo": "the demo loads whole or not at all, "
    "once, into a database with no demo cases yet, so no request holds any of its rows",
    "consilium.tests.test_policy_agreement": "the agreement walk reads a page and then runs "
    "its action inside one savepoint it rolls back (one world serves every role); in the "
    "product each request is its own transaction, and each action's own order is checked "
    "by its app's tests",
}
LOCKS = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)
FROM = re.compile(r'\bFROM\s+"?([\w.]+)"?', re.I)


def _locked_table(sql: str) -> str:
    """The table a ``SELECT ... FOR UPDATE`` locks rows of (its first FROM), or ""."""
    if not sql.lstrip()[:6].upper() == "SELECT" or not LOCKS.search(sql):
        return ""
    found = FROM.search(sql)
    return found.group(1) if found else ""


class LockOrder:
    """An execute wrapper noting, per transaction of the code under test, whether the audit
    head is locked, and every row lock taken after it (``wrong``)."""

    def __init__(self, base: int):
        self.base = base
        self.head_locked_in: tuple | None = None
        self.held: tuple[tuple | None, set] = (None, set())  # the locks before the head
        self.wrong: list[str] = []

    def _transaction(self) -> tuple:
        depth = len(connection.atomic_blocks)
        if depth <= self.base:
            return ("outside", object())  # each statement is its own transaction
        savepoint = connection.savepoint_ids[self.base - 1] if self.base else None
        with connection.connection.cursor() as cursor:  # the raw cursor: not watched
            cursor.execute("SELECT txid_current()")
            return (cursor.fetchone()[0], savepoint)

    def __call__(self, execute, sql, params, many, context):
        table = _locked_table(sql)
        if table and connection.vendor == "postgresql":
            current = self._transaction()
            # The same query with the same values locks rows this transaction holds already
            # (an action locking its case again, as another action it calls does): no wait.
            query = (sql, repr(params))
            if self.held[0] != current:
                self.held = (current, set())
            if table == AUDIT_HEAD:
                self.head_locked_in = current
            elif current != self.head_locked_in:
                self.held[1].add(query)
            elif query not in self.held[1] and not _in_one_transaction():
                self.wrong.append(f"{table} (locked after the audit head in {_where()})")
        return execute(sql, params, many, context)


def _in_one_transaction() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__", "") in ONE_TRANSACTION:
            return True
        frame = frame.f_back
    return False


def _where() -> str:
    """The code that took the lock: the outermost ``do_*`` action and the innermost line of
    ours (not the tests')."""
    frame, action, line = sys._getframe(2), "", ""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("consilium.") and ".tests" not in module:
            line = line or f"{module}:{frame.f_lineno}"
            if frame.f_code.co_name.startswith("do_"):
                action = f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return f"{action or 'no action'}, at {line or 'a test'}"


def _uses_the_database(request) -> bool:
    return bool(request.node.get_closest_marker("django_db")) or any(
        name in request.fixturenames for name in ("db", "transactional_db", "_django_db_helper"))


@pytest.fixture(autouse=True)
def audit_head_locked_last(request):
    """Fail a test whose code locked a row after writing an audit row in one transaction.
    Yields the ``LockOrder`` (None without a database): tests/test_audit_lock_order.py reads
    and clears it."""
    if not _uses_the_database(request):
        yield None
        return
    # Set the test's database up first, so its own atomic blocks are counted in ``base``.
    request.getfixturevalue("_django_db_helper")
    guard = LockOrder(len(connection.atomic_blocks))
    with connection.execute_wrapper(guard):
        yield guard
    wrong = sorted(set(guard.wrong))
    assert not wrong, ("a row was locked after the audit head in one transaction (lock every "
                       f"row before the first audit row: audit/trail.py): {wrong}")
