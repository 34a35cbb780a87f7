from django.shortcuts import render

from consilium.errors import DomainError


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
                {"message": exception.message, "status": exception.status_code},
                status=exception.status_code,
            )
        return None
