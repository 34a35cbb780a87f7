"""The JSON API under /api/v1/: one NinjaAPI, a router per domain app, one error format.

Every error answers ``{"detail": "...", "errors": {"field": "message"}}`` (``errors`` only for
422), so clients can show a message beside each field.
"""

from typing import Any

from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from consilium.accounts.mfa import must_confirm
from consilium.accounts.models import ApiToken
from consilium.api_schemas import StrictParser
from consilium.errors import DomainError, InvalidInput
from consilium.schemas import field_name, reworded


class BearerToken(HttpBearer):
    """Personal API tokens (account page or ``manage.py create_api_token``)."""

    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class VerifiedSession(SessionAuth):
    """The pages' session (the interactive docs use it), once any second factor is confirmed."""

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if must_confirm(request):
            raise HttpError(403, "Confirm the code from your authenticator app before using "
                                 "the API.")
        return user


api = NinjaAPI(
    title="Consilium API",
    version="1",
    description=(
        "Medical second opinions: cases, consultations, opinions and decisions.\n\n"
        "Health data never travels in a URL (access logs and browser history keep URLs): "
        "searches by words or by condition are POSTs with the search in the body "
        "(`POST /terminology/icd10/search`, `POST /specialists/search`). The query "
        "parameters that remain carry no health data: pages, case states, a specialist's "
        "name, a specialty code, a place. No standard (such as FHIR search) requires one "
        "here, so none is kept as an exception."),
    auth=[BearerToken(), VerifiedSession()],
    urls_namespace="api",
    docs_url="/docs",
    parser=StrictParser(),  # hostile input (NUL, 65-bit numbers, deep nesting) is a 422
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, InvalidInput):
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors: dict[str, str] = {}
    for error in exc.errors:  # in the words the actions use (consilium/schemas.py)
        errors.setdefault(field_name(error.get("loc", [])), reworded(error))
    return api.create_response(
        request, {"detail": "Please correct the marked fields.", "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own errors; a body the parser refused keeps the parser's reason (422)."""
    if isinstance(exc.__cause__, InvalidInput):
        return domain_error(request, exc.__cause__)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(MultiPartParserError)
def unreadable_upload(request, exc):
    """Django refuses a multipart part whose headers pass 1 KB (a file name that long)."""
    body = {"detail": "The upload could not be read: a file's name is far too long, or the "
                      "request is damaged. Rename the file and send it again."}
    return api.create_response(request, body, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


def page_not_found(request, exception):
    """The site's 404 (``handler404``): a path that matches no URL, a malformed ID among them
    (consilium/paths.py), answers as an operation's unknown ID does under /api/, and with the
    404 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return not_found(request, exception)
    return defaults.page_not_found(request, exception)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    body = {"detail": "Sign in or send a valid API token."}
    return api.create_response(request, body, status=401)


def _add_routers():
    # Imported here only to keep these short names (cases, records, …) out of the module: no
    # router's module imports this one.
    from consilium.accounts.api import router as accounts
    from consilium.cases.api import router as cases
    from consilium.comparison.api import router as comparison
    from consilium.consultations.api import case_router as case_consultations
    from consilium.consultations.api import router as consultations
    from consilium.conversations.api import router as conversations
    from consilium.decisions.api import router as decisions
    from consilium.directory.api import router as directory
    from consilium.mydata.api import router as mydata
    from consilium.opinions.api import case_router as case_opinions
    from consilium.opinions.api import router as opinions
    from consilium.records.api import router as records
    from consilium.records.request_api import router as records_requests
    from consilium.terminology.api import router as terminology
    from consilium.triage.api import router as triage

    api.add_router("/", accounts)
    api.add_router("/", mydata)
    api.add_router("/cases", cases)
    api.add_router("/cases", records)
    api.add_router("/cases", records_requests)
    api.add_router("/cases", case_consultations)
    api.add_router("/cases", conversations)
    api.add_router("/cases", comparison)
    api.add_router("/cases", case_opinions)
    api.add_router("/cases", decisions)
    api.add_router("/consultations", consultations)
    api.add_router("/consultations", opinions)
    api.add_router("/specialists", directory)
    api.add_router("/terminology", terminology)
    api.add_router("/triage", triage)


_add_routers()
