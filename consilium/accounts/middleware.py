from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in staff member may reach before confirming their one-time code. The API
# refuses such a session itself (consilium.api.VerifiedSession), in its own error format.
_OPEN_PREFIXES = ("/account/two-factor", "/logout", "/static/", "/api/")
# Called by scripts (tus-js-client), not opened as pages: refused rather than redirected.
_SCRIPT_PREFIXES = ("/uploads/",)


class RequireTwoFactorMiddleware:
    """Send coordinators, specialists and administrators to the two-factor step after login.

    The API checks the same rule in its session authentication; tokens are created only
    on the account page, which this middleware keeps closed until the code is confirmed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_two_factor
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith(_SCRIPT_PREFIXES):
                return HttpResponse("Confirm the code from your authenticator app first.",
                                    status=403, content_type="text/plain")
            return redirect(reverse("two_factor") + "?" + urlencode({"next": request.path}))
        return self.get_response(request)
