from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in staff member may reach before confirming their one-time code.
_OPEN_PREFIXES = ("/account/two-factor", "/logout", "/static/", "/api/")


class RequireTwoFactorMiddleware:
    """Send coordinators, specialists and administrators to the two-factor step after login.

    The API is left to token authentication: tokens are created from a verified session.
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
            return redirect(reverse("two_factor") + "?" + urlencode({"next": request.path}))
        return self.get_response(request)
