"""Log lines, plain or JSON (CONSILIUM_LOG_FORMAT=json): one line per request by route name,
and never a link's token, a case's words or what a caller attached to a record."""

import json
import logging
import sys

import pytest

from consilium import logs


def record(message, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.getLogger("django.request").makeRecord(
        "django.request", logging.WARNING, __file__, 1, message, args, exc_info, extra=extra)
    logs.RedactLinks().filter(made)
    return made


def test_a_json_line_has_the_named_fields_only():
    line = json.loads(logs.JsonLines().format(record(
        "Not Found: %s", "/invitations/secret-token-123/", status_code=404,
        request=object(), user="Mariela Quintanilla")))
    assert line["message"] == "Not Found: /invitations/…/"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["status_code"] == 404 and line["time"].endswith("+00:00")
    assert set(line) == {"time", "level", "logger", "message", "status_code"}


@pytest.mark.parametrize("formatter", [logs.JsonLines(), logs.Text()])
def test_a_traceback_is_redacted_too(formatter):
    try:
        raise ValueError("could not open /reports/shared-report-token/ ?code=one-time-code")
    except ValueError:
        made = record("Internal Server Error: %s", "/cases/", exc_info=sys.exc_info())
    text = formatter.format(made)
    assert "shared-report-token" not in text and "one-time-code" not in text
    assert "/reports/…/" in text and "ValueError" in text


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match='"text" or "json"'):
        logs.logging_config("INFO", "xml")


def test_each_request_is_logged_by_route_name(db, client, caplog, journey, login):
    case, _ = journey("submitted")
    login(case.patient)
    with caplog.at_level(logging.INFO, logger="consilium.requests"):
        client.get(f"/cases/{case.id}/")
        client.get("/invitations/a-secret-invitation-token/")
    lines = [r for r in caplog.records if r.name == "consilium.requests"]
    assert [(r.route, r.status) for r in lines] == [("case_detail", 200),
                                                   ("accept_invitation", 404)]
    shown = "\n".join(logs.JsonLines().format(r) for r in lines)
    assert str(case.id) not in shown and "a-secret-invitation-token" not in shown
    assert "Breast" not in shown and "Mastectomy" not in shown
