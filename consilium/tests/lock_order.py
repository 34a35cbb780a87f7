"""The run-time check of "the audit head is locked alone".

Appending to the audit trail locks nothing (``audit.trail.record_many`` inserts pending rows),
so actions may lock their rows before or after their audit rows. Only the sealer
(``audit.trail.seal``) locks the single ``AuditHead`` row, and the head stays uncontended only
while the sealer's transaction is its own: it must hold no other lock and no audit row of its
own when it takes the head (sealed inside an action, it would chain that action's uncommitted
rows and keep every other seal waiting until the action commits, and a transaction holding a
case while waiting for the head can deadlock with one holding the head while waiting for the
case), and it must lock nothing after the head. This watches the SQL of every test (through
consilium/conftest.py) and fails a test whose code broke that, naming the table.

Which transaction? In production a transaction is the outermost ``atomic`` block. Under
pytest-django's ``db`` fixture the whole test runs inside the test case's own atomic blocks,
so the code's ``atomic`` blocks are savepoints of one big transaction. The fixture notes how
many atomic blocks are open when the test starts (``base``: 0 for ``transactional_db``,
pytest-django's blocks otherwise): the code's transaction is the block at that depth, known
by the savepoint Django opened for it (``connection.savepoint_ids[base - 1]``; the ids are
unique on a connection) and by PostgreSQL's transaction ID (``txid_current()``, which tells
two real transactions apart when ``base`` is 0 and no savepoint names them). A new action or
seal (a new outermost block, a new real transaction) has a new pair, so nothing carries over
from one to the next, with no patching of Django and no hook on commit or rollback.

SQLite has no row locks (Django leaves ``FOR UPDATE`` out of its SQL): this bites on
PostgreSQL only, which CI runs too.
"""

import re
import sys

import pytest
from django.db import connection

AUDIT_HEAD = "audit_audithead"
AUDIT_ROWS = "audit_auditentry"
LOCKS = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)
FROM = re.compile(r'\bFROM\s+"?([\w.]+)"?', re.I)
APPEND = re.compile(rf'^\s*INSERT\s+INTO\s+"?{AUDIT_ROWS}"?', re.I)


def _locked_table(sql: str) -> str:
    """The table a ``SELECT ... FOR UPDATE`` locks rows of (its first FROM), or ""."""
    if not sql.lstrip()[:6].upper() == "SELECT" or not LOCKS.search(sql):
        return ""
    found = FROM.search(sql)
    return found.group(1) if found else ""


class LockOrder:
    """An execute wrapper noting, per transaction of the code under test, what it locked or
    appended before locking the audit head, and whether it locked anything after (``wrong``)."""

    def __init__(self, base: int):
        self.base = base
        self.head_locked_in: tuple | None = None
        self.before: tuple[tuple | None, set] = (None, set())  # what the transaction holds
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
        table = _locked_table(sql) or (AUDIT_ROWS if APPEND.match(sql) else "")
        if table and connection.vendor == "postgresql":
            self._note(table)
        return execute(sql, params, many, context)

    def _note(self, table: str) -> None:
        current = self._transaction()
        if self.before[0] != current:
            self.before = (current, set())
        held = self.before[1]
        if table == AUDIT_HEAD:
            if held:
                self.wrong.append(f"{AUDIT_HEAD} (locked holding {', '.join(sorted(held))} "
                                  f"in {_where()})")
            self.head_locked_in = current
        elif current == self.head_locked_in:
            if table != AUDIT_ROWS:
                self.wrong.append(f"{table} (locked after the audit head in {_where()})")
        else:
            held.add(table)


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
def audit_head_locked_alone(request):
    """Fail a test whose code locked the audit head in a transaction holding other locks or
    audit rows, or locked a row after the head. Yields the ``LockOrder`` (None without a
    database): tests/test_audit_lock_order.py reads and clears it."""
    if not _uses_the_database(request):
        yield None
        return
    # Set the test's database up first, so its own atomic blocks are counted in ``base``.
    request.getfixturevalue("_django_db_helper")
    guard = LockOrder(len(connection.atomic_blocks))
    with connection.execute_wrapper(guard):
        yield guard
    wrong = sorted(set(guard.wrong))
    assert not wrong, ("the audit head was locked alongside other rows in one transaction "
                       f"(only audit/trail.py's seal() locks it, in its own): {wrong}")
