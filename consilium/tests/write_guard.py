"""The run-time half of "views write only through actions": while the test client serves a
request, every INSERT, UPDATE and DELETE must come from inside a ``do_*`` action (found on
the Python stack), or be one of the few writes that belong to serving a request at all.

Used by every test through consilium/conftest.py; test_actions_audited.py reads the source
for the same rule, this catches the writes a helper makes on a view's behalf.
"""

import re
import sys

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection

# Tables a request writes without an action, and why.
REQUEST_TABLES = {
    "django_session": "the session (sign-in, messages, a verified report code)",
    "audit_auditentry": "an audited read (access helpers record every read), and sealing the "
                        "request's rows into the chain after it commits (audit/trail.py seal)",
    "audit_audithead": "the head of the trail, moved by the seal after the request commits",
    "axes_accessattempt": "django-axes counting failed sign-ins",
    "axes_accessfailurelog": "django-axes counting failed sign-ins",
    "axes_accessattemptexpiration": "django-axes noting when a count of failed sign-ins "
                                    "expires (cleared by the next right password)",
    "axes_accesslog": "django-axes logging sign-ins",
    "accounts_user": "Django's sign-in noting last_login (update_last_login)",
    "mfa_authenticator": "a second factor's code step counting wrong codes and noting the last "
                         "code used, so no code works twice (accounts/codes.py)",
    "accounts_apitoken": "the API's sign-in noting when a token was last used",
    "directory_directorysize": "a count derived from the directory, kept on its first read",
    "conversations_readmark": "how far a reader has read a case's messages, for unread counts "
                              "(the read itself is an audit row)",
    "records_pendingupload": "the bytes a resumable upload has received so far, noted at each "
                             "PATCH (its start and end are actions)",
}
# Code that writes without an action, and why.
CALLERS = {
    "django.contrib.admin.options": "the Django admin, which holds no health data; the "
                                    "account changes in it are saved through the account "
                                    "actions (accounts/admin.py)",
}
ACTION = re.compile(r"^do_")


def _table(sql: str) -> str:
    found = re.search(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', sql, re.I)
    return found.group(1) if found else ""


def _in_action() -> bool:
    """True inside an action (or an allowed caller), and outside any view: a test's own
    set-up between requests whose answers were never closed (schemathesis leaves some open,
    so request_finished never fires) is not serving a request."""
    frame = sys._getframe(2)
    in_view = False
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module in CALLERS or ACTION.match(frame.f_code.co_name) and \
                module.startswith("consilium."):
            return True
        in_view = in_view or module == "django.core.handlers.base"
        frame = frame.f_back
    return not in_view


class Guard:
    def __init__(self):
        self.serving = 0
        self.wrong: list[str] = []

    def started(self, **_):
        self.serving += 1

    def finished(self, **_):
        self.serving = max(0, self.serving - 1)

    def __call__(self, execute, sql, params, many, context):
        if self.serving and _table(sql) and _table(sql) not in REQUEST_TABLES \
                and not _in_action():
            self.wrong.append(f"{_table(sql)}: {sql[:60]}…")
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def writes_only_in_actions(request):
    """Fail a test whose requests wrote a model outside an action."""
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        yield
        return
    guard = Guard()
    request_started.connect(guard.started)
    request_finished.connect(guard.finished)
    try:
        with connection.execute_wrapper(guard):
            yield
    finally:
        request_started.disconnect(guard.started)
        request_finished.disconnect(guard.finished)
    wrong = sorted(set(guard.wrong))
    assert not wrong, f"a request wrote outside an action (move it into one): {wrong}"
