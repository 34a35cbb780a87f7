"""Links and codes sent by email reach the recipient over SMTP and nothing else (issue 17, 2).

Invitations, report links and one-time codes are queued in the pytest process and sent by a
real ``db_worker`` in a fresh process with the production settings and logging at DEBUG; a
password reset goes through the real view in another. Everything either process writes, and
every stored task row, is searched for each link, token and code the SMTP server received.
"""

import email
import json
import logging
import re
import socket
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_tasks_db.models import DBTaskResult

from consilium.cases import actions as case_actions
from consilium.cases.actions import find_invitation
from consilium.fields import unseal
from consilium.opinions import sharing
from consilium.opinions.tasks import CODE
from consilium.tests.test_settings import manage

TASK_ROWS = ("args_kwargs", "return_value", "traceback", "exception_class_path")


class Inbox:
    """An aiosmtpd handler keeping each message it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def bodies(self) -> str:
        parts = [part for message in self.messages for part in message.walk()
                 if part.get_content_type() == "text/plain"]
        return "\n".join(part.get_payload(decode=True).decode() for part in parts)


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    server_log = logging.getLogger("mail.log")  # the test server's own, not Consilium's
    level, server_log.level = server_log.level, logging.WARNING
    controller.start()
    yield inbox, port
    controller.stop()
    server_log.setLevel(level)


def database_url() -> str:
    """The test database, as DATABASE_URL, for a fresh process to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST']}:{db['PORT']}/{db['NAME']}")


def test_no_link_or_code_reaches_a_log_or_a_task_row(transactional_db, journey, users,
                                                     smtp_server, tmp_path, caplog, capfd):
    inbox, port = smtp_server
    case, consultation = journey("opinion_delivered")
    case_actions.do_share_case(case, "sister@example.net", role="caregiver",
                               acting_user=users["patient"])
    share = sharing.do_share_report(consultation.opinion, "dr.outside@example.org", 7, True,
                                    acting_user=users["patient"])
    sharing.do_send_code(share)
    env = {"DATABASE_URL": database_url(), "CONSILIUM_EMAIL_HOST": "127.0.0.1",
           "CONSILIUM_EMAIL_PORT": str(port), "CONSILIUM_LOG_LEVEL": "DEBUG",
           "CONSILIUM_ALLOWED_HOSTS": "testserver"}
    worker = manage("db_worker", "--batch", "--no-startup-delay", env=env, tmp_path=tmp_path)
    reset = manage("shell", "-c", (
        "from django.test import Client; print(Client().post('/password_reset/', "
        "{'email': 'patient@example.org'}, secure=True).status_code)"),
        env=env, tmp_path=tmp_path)
    assert worker.returncode == 0 and reset.returncode == 0, worker.stderr + reset.stderr
    assert reset.stdout.splitlines()[-1] == "302"

    bodies = inbox.bodies()
    invitation = re.search(r"https?://\S+/invitations/(\S+)/", bodies)
    report = re.search(r"https?://\S+/reports/(\S+)/", bodies)
    code = re.search(r"one-time code for \S+ is (\d{6})", bodies).group(1)
    password = re.search(r"https://testserver/reset/\S+/(\S+)/", bodies)
    assert find_invitation(invitation.group(1)) and sharing.active_share(report.group(1))
    sharing.do_check_code(share, code)  # the code that arrived is the one that works

    secrets = [invitation.group(0), invitation.group(1), report.group(0), report.group(1),
               password.group(0), password.group(1)]
    logged = "\n".join([worker.stdout, worker.stderr, reset.stdout, reset.stderr, caplog.text,
                        *capfd.readouterr()])
    assert "Task id=" in logged  # the worker's log was captured
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    stored = json.dumps(list(DBTaskResult.objects.values_list(*TASK_ROWS)))
    for secret in secrets:
        assert secret not in logged and secret not in stored, secret
    assert not re.search(rf"(?<!\d){code}(?!\d)", logged + stored)
    sent_code = DBTaskResult.objects.get(task_path="consilium.opinions.tasks.send_report_code")
    assert unseal(sent_code.args_kwargs["args"][1], CODE) == code
