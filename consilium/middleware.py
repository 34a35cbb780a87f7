from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from consilium.consultations.access import visible_case_id
from consilium.errors import DomainError

# Paths whose answers may hold health data (or a link to it) even for someone not signed in;
# a visitor's self-assessment and diagnosis-code suggestions echo what they typed, and the
# sign-up pages the address being verified.
HEALTH_DATA_PATHS = ("/api/", "/cases/", "/consultations/", "/appointments/", "/reports/",
                     "/uploads/", "/invitations/", "/account/", "/admin/", "/assess/",
                     "/terminology/", "/signup/", "/confirm-email/")


class NoStoreMiddleware:
    """Keep health data out of browser and proxy caches: ``no-store`` on every answer to a
    signed-in user or on a health-data path, over whatever caching a view asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(HEALTH_DATA_PATHS) or (user and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class DomainErrorMiddleware:
    """Answer a refused action on a page with its own status (403, 409, 422) and message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(
                request,
                "error.html",
                {"message": exception.message, "status": exception.status_code,
                 "case_id": _case_behind(request)},
                status=exception.status_code,
            )
        return None


def _case_behind(request):
    """Under a case (/cases/<id>/…) or a consultation (/consultations/<id>/…) the way on is
    back to that case, not the start; a consultation's case only if the user sees it."""
    match = request.resolver_match
    kwargs = match.kwargs if match else {}
    if "case_id" in kwargs:
        return kwargs["case_id"]
    if "consultation_id" in kwargs:
        return visible_case_id(request.user, kwargs["consultation_id"])
    return None
