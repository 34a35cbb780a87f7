"""Checking a code from an authenticator app (an allauth.mfa TOTP authenticator) or a recovery
code, so that a wrong code does not spoil the next right one (issue #21).

allauth.mfa keeps the secret (encrypted: accounts/mfa.py) and computes the codes; here:

- the first ``FREE_TRIES`` wrong codes in a row cost nothing;
- after that each check waits ``BASE_WAIT`` seconds, doubling with every further wrong code
  (at most a day), and the page says "Too many wrong codes, wait …" instead of "wrong";
- a code already used is refused as used: the authenticator row keeps the last time step
  accepted (``last_counter``), so no code works twice, in any server process (allauth's own
  replay guard is in the per-process cache);
- the authenticator row is locked while it is checked, so two requests at once cannot both
  use one code or both count as the first wrong one.

The count of wrong codes and when the last one came are in the row's ``data`` too. Guessing
stays hopeless: with three codes valid at any time, the free tries and a doubling wait from
15 s allow fewer than 20 guesses in the first day and one a day after that.
"""

import time
from dataclasses import dataclass

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.db import transaction

FREE_TRIES = 3
BASE_WAIT = 15  # seconds after the first wrong code beyond the free tries
MOST_WAIT = 24 * 3600
FAILURES, FAILED_AT, LAST_COUNTER = "failures", "failed_at", "last_counter"


def required_wait(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong codes in a row before the next check."""
    if failures <= FREE_TRIES:
        return 0
    return min(BASE_WAIT * 2 ** (failures - FREE_TRIES - 1), MOST_WAIT)


def failures(authenticator: Authenticator) -> int:
    return int(authenticator.data.get(FAILURES, 0))


def wait_seconds(authenticator: Authenticator) -> int:
    """Seconds still to wait before this authenticator may be checked again (0: now)."""
    count, at = failures(authenticator), authenticator.data.get(FAILED_AT)
    if not count or at is None:
        return 0
    since = time.time() - float(at)
    return max(0, int(required_wait(count) - since + 0.999))


def in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{(minutes + 59) // 60} hours"


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    message: str = ""
    wait: int = 0  # seconds to wait, when that is why the code was not checked


WRONG = "That code is not right. Enter the six digits your app shows now."
USED = ("That code was already used. Wait until your app shows a new one (every 30 seconds), "
        "then enter that.")
WRONG_RECOVERY = "That is not one of your recovery codes, or it was already used."


def _counters() -> range:
    now = int(time.time()) // mfa_settings.TOTP_PERIOD
    return range(now - mfa_settings.TOTP_TOLERANCE, now + mfa_settings.TOTP_TOLERANCE + 1)


def _match(authenticator: Authenticator, code: str) -> int | None:
    """The time step whose code ``code`` is, within the allowed drift; None if none."""
    secret = decrypt(authenticator.data["secret"])
    for counter in _counters():
        if format_hotp_value(hotp_value(secret, counter)) == code:
            return counter
    return None


def _wrong(authenticator: Authenticator, message: str) -> Outcome:
    authenticator.data[FAILURES] = failures(authenticator) + 1
    authenticator.data[FAILED_AT] = time.time()
    authenticator.save(update_fields=["data"])
    return Outcome(False, message)


def _too_many(seconds: int) -> Outcome:
    return Outcome(False, f"Too many wrong codes. Wait {in_words(seconds)}, then enter the code "
                          "your app shows.", wait=seconds)


def check_code(authenticator: Authenticator, code: str) -> Outcome:
    """Check ``code`` (six ASCII digits, already validated by the form) against a TOTP
    ``authenticator``; on success the row notes the step used and when it was used."""
    code = code.strip()
    with transaction.atomic():
        row = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        if seconds := wait_seconds(row):
            return _too_many(seconds)
        counter = _match(row, code) if code.isascii() and code.isdigit() else None
        if counter is None:
            return _wrong(row, WRONG)
        if counter <= int(row.data.get(LAST_COUNTER, -1)):
            return Outcome(False, USED)  # not a guess: it was right once
        row.data[LAST_COUNTER] = counter
        _accepted(row)
    authenticator.refresh_from_db()
    return Outcome(True)


def _accepted(row: Authenticator) -> None:
    """A right code: the count of wrong ones starts again, and the use is noted."""
    row.data[FAILURES] = 0
    row.data.pop(FAILED_AT, None)
    row.save(update_fields=["data"])
    row.record_usage()


def check_recovery_code(authenticator: Authenticator, code: str) -> Outcome:
    """Use one of the account's recovery codes (allauth.mfa marks it used: each works once),
    with the same wait after many wrong ones, counted on the recovery codes' row."""
    code = code.strip()
    with transaction.atomic():
        row = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        if seconds := wait_seconds(row):
            return _too_many(seconds)
        wrapper = RecoveryCodes(row)
        if not (code.isascii() and code.isdigit()) or not wrapper.validate_code(code):
            return _wrong(wrapper.instance, WRONG_RECOVERY)
        _accepted(wrapper.instance)
    authenticator.refresh_from_db()
    return Outcome(True)
