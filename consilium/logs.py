"""Log records never carry the secret part of a link.

Invitation (a patient's guest's, a staff member's: /join/), password-reset,
email-verification and shared-report links carry their credential
in the path (as a link in an email must), and Django logs the path of every answer of 400 and
above ("Unprocessable Entity: /invitations/<token>/"). The console handler passes every record
through ``RedactLinks``, so such a path is logged as ``/invitations/…/``. The identity
provider's return to Consilium (``/login/sso/…/callback/?code=…&state=…``, accounts/sso.py)
carries its one-time code and state in the query: they are logged as ``code=…``.
"""

import logging
import re

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
