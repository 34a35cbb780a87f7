"""Log records never carry the secret part of a link.

Invitation (a patient's guest's, a staff member's: /join/), password-reset,
email-verification and shared-report links carry their credential
in the path (as a link in an email must), and Django logs the path of every answer of 400 and
above ("Unprocessable Entity: /invitations/<token>/"). The console handler passes every record
through ``RedactLinks``, so such a path is logged as ``/invitations/…/``. The identity
provider's return to Consilium (``/login/sso/…/callback/?code=…&state=…``, accounts/sso.py)
carries its one-time code and state in the query: they are logged as ``code=…``.
"""

import json
import logging
import re
from datetime import UTC, datetime

_SECRET_PATH = re.compile(
    r"(?P<prefix>/(?:invitations|join|reports|confirm-email)/)[^/\s\"'?#]+"
    r"|(?P<reset>/reset/)[^/\s\"'?#]+/[^/\s\"'?#]+"
    r"|(?P<query>[?&](?:code|state)=)[^&\s\"'#]+")


def redact(text: str) -> str:
    """``text`` with the token of every link path replaced by an ellipsis."""
    return _SECRET_PATH.sub(lambda m: f"{m['prefix']}…" if m["prefix"] else
                            f"{m['query']}…" if m["query"] else f"{m['reset']}…/…", text)


class RedactLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line, for a log shipper (CONSILIUM_LOG_FORMAT=json): the time, level,
    logger and message, and only the named fields below. Other attributes a caller attached
    (Django's ``request``, allauth's ``user``…) are never written, and the whole line, an
    exception's traceback too, passes ``redact``."""

    FIELDS = ("route", "method", "status", "duration_ms", "status_code")

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in self.FIELDS
                     if isinstance(getattr(record, name, None), str | int | float)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, ensure_ascii=False))


class Text(logging.Formatter):
    """The plain format, as before: the message alone (journald or the container adds the
    time), an exception's traceback through ``redact`` too."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(level: str, fmt: str, gunicorn: bool = False) -> dict:
    """The logging set-up of every Consilium process (settings.LOGGING; gunicorn's master and
    its own messages too when ``gunicorn``). Health data never goes to logs: only levels and
    opaque identifiers. Every record passes RedactLinks and its formatter's ``redact``: the
    paths of invitation, reset and report links (which Django logs for each 4xx answer) are
    logged without their tokens."""
    if fmt not in {"text", "json"}:
        raise ValueError(f'CONSILIUM_LOG_FORMAT must be "text" or "json", not {fmt!r}')
    console = {"handlers": ["console"], "level": level, "propagate": False}
    config: dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_links": {"()": "consilium.logs.RedactLinks"}},
        "formatters": {"text": {"()": "consilium.logs.Text"},
                       "json": {"()": "consilium.logs.JsonLines"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_links"],
                                 "formatter": fmt}},
        "root": {"handlers": ["console"], "level": level},
        # WeasyPrint reports each rendering step at INFO; only its problems matter.
        "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                    # pydicom and dicognito may quote header values (names, dates) in warnings.
                    "pydicom": {"level": "ERROR"},
                    # Django's own config mails each 500 to ADMINS with the request's POST data
                    # (health data); its errors go to the console above instead, and nowhere
                    # else.
                    "django": {"handlers": []},
                    # runserver's request lines, through the same filter.
                    "django.server": console},
    }
    if gunicorn:
        # gunicorn's access log writes each path (a link's token, IDs): consilium.requests
        # logs each request by its route's name instead (operations/metrics.py).
        config["loggers"].update({"gunicorn.error": console,
                                  "gunicorn.access": {"handlers": [], "propagate": False}})
    return config
