"""The trail's head, written outside the database as rows are appended (settings.AUDIT_ANCHOR).

One line per append, ``<count> <head hash> <HMAC of both>``, appended after the transaction
commits to a file opened with O_APPEND and created owner-only. Whoever rewrites the database
cannot take back what the file already holds: ``verify_audit`` checks that every anchored
hash is still in the trail at its place, and that the trail reaches the last anchored count.
"""

import hashlib
import hmac
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    line: int
    count: int
    hash: str


class BadAnchorLine(Exception):
    def __init__(self, line: int, why: str):
        super().__init__(f"line {line} of the anchor {why}")
        self.line = line


def _mac(count: int, head_hash: str) -> str:
    message = f"consilium-audit-anchor {count} {head_hash}".encode()
    return hmac.new(settings.AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()


def write(count: int, head_hash: str) -> None:
    """Append one line; a failure is logged, never raised (the rows are already committed,
    and ``verify_audit`` reports rows the anchor does not reach)."""
    path = settings.AUDIT_ANCHOR
    if not path:
        return
    line = f"{count} {head_hash} {_mac(count, head_hash)}\n".encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        log.error("Could not write the audit anchor %s: %s", path, exc.strerror)


def read(path: str) -> Iterator[Anchor]:
    """The anchored heads in file order; raises BadAnchorLine for a line Consilium did not
    write (bad HMAC) or one cut short."""
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            parts = raw.decode("ascii", "replace").split()
            if not raw.endswith(b"\n") or len(parts) != 3 or not parts[0].isdigit():
                raise BadAnchorLine(number, "is cut short or not an anchor line")
            count, head_hash, mac = int(parts[0]), parts[1], parts[2]
            if not hmac.compare_digest(mac, _mac(count, head_hash)):
                raise BadAnchorLine(number, "was not written with the audit key")
            yield Anchor(number, count, head_hash)
