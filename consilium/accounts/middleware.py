import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .mfa import must_confirm

# Paths a signed-in staff member may reach before confirming their one-time code. The API
# refuses such a session itself (consilium.api.VerifiedSession), in its own error format.
# Only the code step itself: the pages that show, remake or remove second factors are not
# open before it (a password alone would otherwise make new recovery codes, or remove the
# member's app and set up the stranger's).
# Adding a passkey is open too, for setting up a first one (accounts/views.add_passkey sends
# anyone who has a second factor to pass it first).
_OPEN_PATHS = {"/account/two-factor/", "/account/two-factor/passkeys/add/"}
_OPEN_PREFIXES = ("/logout", "/static/", "/api/", "/join/")
# Called by scripts (tus-js-client), not opened as pages: refused rather than redirected.
_SCRIPT_PREFIXES = ("/uploads/",)


class RequireTwoFactorMiddleware:
    """Send coordinators, specialists and administrators (and anyone who added a second
    factor) to the two-factor step after login; staff without one set one up there.

    The API checks the same rule in its session authentication; tokens are created only
    on the account page, which this middleware keeps closed until the code is confirmed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in _OPEN_PATHS and not request.path.startswith(_OPEN_PREFIXES) \
                and must_confirm(request):
            if request.path.startswith(_SCRIPT_PREFIXES):
                return HttpResponse("Confirm the code from your authenticator app first.",
                                    status=403, content_type="text/plain")
            return redirect(reverse("two_factor") + "?" + urlencode({"next": request.path}))
        return self.get_response(request)


# Session keys: when the session was last used (refreshed at most once a minute, so that a
# busy page does not write the session on every request) and when its user signed in.
LAST_SEEN = "consilium_last_seen"
SIGNED_IN_AT = "consilium_signed_in_at"


def idle_minutes(user) -> int:
    """Patients and caregivers get a longer idle time than staff (settings say why)."""
    if user.role in settings.PATIENT_SESSION_ROLES:
        return settings.PATIENT_SESSION_IDLE_MINUTES
    return settings.SESSION_IDLE_MINUTES


class SignOutWhenIdleMiddleware:
    """Sign a user out after their role's idle time, and at the latest SESSION_COOKIE_AGE after
    signing in however busy: a session left open on a ward's computer ends by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN, now)
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            minutes = idle_minutes(user)
            if now - last_seen > minutes * 60:
                return self._signed_out(request, f"You were signed out after {minutes} minutes "
                                                 "without activity. Please sign in again.")
            if now - signed_in_at > settings.SESSION_COOKIE_AGE:
                hours = settings.SESSION_COOKIE_AGE // 3600
                return self._signed_out(request, f"You were signed out {hours} hours after "
                                                 "signing in. Please sign in again.")
            if now - session.get(LAST_SEEN, 0) >= 60:
                session[LAST_SEEN] = now
        return self.get_response(request)

    def _signed_out(self, request, message):
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # the API answers 401 unless a token came too
        if request.path.startswith(_SCRIPT_PREFIXES):
            return HttpResponse(message, status=401, content_type="text/plain")
        messages.info(request, message)
        target = reverse(settings.LOGIN_URL) + "?" + urlencode({"next": request.path})
        if request.headers.get("HX-Request") == "true":  # django-htmx runs after this
            return HttpResponseClientRedirect(target)
        return redirect(target)
