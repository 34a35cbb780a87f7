"""Password guessing: a lockout per account and client address (django-axes), and a
progressive delay per account that slows a stranger's guesses from many addresses without
locking the owner out.

After ``LOGIN_DELAY_AFTER`` failures for a username from anywhere (within the cool-off
time), each further attempt must come 1, 2, 4 … up to ``LOGIN_DELAY_MAX_SECONDS`` seconds
after the last failure; earlier ones are refused unchecked ("wait N seconds") and do not
count. Addresses the account has signed in from before skip the delay, so the owner there
is locked out only by that address's own failures. Nothing sleeps in the request thread.
"""

import math
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def account_wait(request, credentials=None) -> int:
    """Seconds this request must still wait before its guess for the account is checked."""
    username = get_client_username(request, credentials)
    if not username:
        return 0
    if AccessLog.objects.filter(username=username, ip_address=request.axes_ip_address).exists():
        return 0
    recent = AccessAttempt.objects.filter(username=username,
                                          attempt_time__gte=get_cool_off_threshold(request))
    totals = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    over = (totals["failures"] or 0) - settings.LOGIN_DELAY_AFTER
    if over < 0:
        return 0
    delay = min(2 ** min(over, 30), settings.LOGIN_DELAY_MAX_SECONDS)
    remaining = totals["last"] + timedelta(seconds=delay) - timezone.now()
    return max(0, math.ceil(remaining.total_seconds()))


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler plus the per-account delay."""

    def is_locked(self, request, credentials=None) -> bool:
        request.consilium_wait_seconds = 0
        if super().is_locked(request, credentials):
            return True
        request.consilium_wait_seconds = account_wait(request, credentials)
        return request.consilium_wait_seconds > 0

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and getattr(request, "consilium_wait_seconds", 0) > 0:
            # Refused for coming early, unchecked: not a guess, so the wait does not restart.
            request.axes_locked_out, request.axes_credentials = True, credentials
            return
        super().user_login_failed(sender, credentials, request, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """429 with how long to wait: the seconds of the delay, or the lockout's cool-off."""
    wait = getattr(request, "consilium_wait_seconds", 0)
    retry_after = wait or int(get_cool_off(request).total_seconds())
    if wait:
        message = f"Too many failed sign-ins for this account. Please wait {wait} " \
                  f"second{'s' if wait != 1 else ''} and try again."
    else:
        message = "Too many failed sign-ins from here. Try again later, or reset your password."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "errors": {}}, status=429)
    else:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE,
                          {"wait_seconds": wait, "message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
