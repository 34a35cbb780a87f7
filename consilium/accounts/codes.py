"""Checking a code from an authenticator app (django-otp's TOTP device) so that a wrong code
does not spoil the next right one (issue #21).

django-otp throttles from the first failure: after one wrong code the next check within a
second is refused, after two within 2 s, then 4, 8, 16 … s, and a refused check looks like a
wrong code ("not right, or it expired"), so a person who retypes quickly, or whose password
manager fills the code in, is turned away with a right code and is not told to wait. Here:

- the first ``FREE_TRIES`` wrong codes in a row cost nothing;
- after that each check waits ``BASE_WAIT`` seconds, doubling with every further wrong code
  (at most a day), and the page says "Too many wrong codes, wait …" instead of "wrong";
- a code already used (django-otp's ``last_t``: no code is accepted twice) is refused as used;
- the device row is locked while it is checked, so two requests at once cannot both use one
  code or both count as the first wrong one.

The counting and the replay rule stay django-otp's (its fields ``throttling_failure_count``,
``throttling_failure_timestamp`` and ``last_t``; its ``verify_token``); only the wait is ours,
on the proxy model ``models.AuthenticatorApp``. Guessing stays hopeless: with three codes valid
at any time, the free tries and a doubling wait from 15 s allow fewer than 20 guesses in the first
day and one a day after that.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

FREE_TRIES = 3
BASE_WAIT = 15  # seconds after the first wrong code beyond the free tries
MOST_WAIT = 24 * 3600


def required_wait(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong codes in a row before the next check."""
    if failures <= FREE_TRIES:
        return 0
    return min(BASE_WAIT * 2 ** (failures - FREE_TRIES - 1), MOST_WAIT)


def wait_seconds(device: TOTPDevice) -> int:
    """Seconds still to wait before this device may be checked again (0: now)."""
    if not device.throttling_failure_count or device.throttling_failure_timestamp is None:
        return 0
    since = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(0, int(required_wait(device.throttling_failure_count) - since + 0.999))


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


def _already_used(device: TOTPDevice, token: int) -> bool:
    now_t = (int(timezone.now().timestamp()) - device.t0) // device.step + device.drift
    return any(hotp(device.bin_key, t, digits=device.digits) == token
               for t in range(now_t - device.tolerance, now_t + device.tolerance + 1)
               if t <= device.last_t)


def check_code(device: TOTPDevice, code: str) -> Outcome:
    """Check ``code`` (six ASCII digits, already validated by the form) against ``device``."""
    from .models import AuthenticatorApp

    with transaction.atomic():
        app = AuthenticatorApp.objects.select_for_update().get(pk=device.pk)
        seconds = wait_seconds(app)
        if seconds:
            return Outcome(False, f"Too many wrong codes. Wait {in_words(seconds)}, then enter "
                                  "the code your app shows.", wait=seconds)
        if app.verify_token(code):
            device.refresh_from_db()
            return Outcome(True)
        token = int(code) if code.isascii() and code.isdigit() else -1
        return Outcome(False, USED if _already_used(app, token) else WRONG)
