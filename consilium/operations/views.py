"""The two addresses a load balancer and a monitor call: /health/ and /metrics.

Both are answered by OperationsMiddleware, first in the stack (before the host check, the
HTTPS redirect, sessions and sign-in), since a load balancer and Prometheus call each machine
by its own address over plain HTTP; they are routed too, so that they have names (the access
matrix, reverse()) and answer other methods with 405.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from consilium.operations import health as checks
from consilium.operations import metrics as exported


@require_safe
def health(request):
    """200 when this process can serve (database and storage reachable), 503 when not; the
    task queue is told, not judged: slow workers are no reason to take a web machine out."""
    ok, details = checks.report()
    response = JsonResponse(details, status=200 if ok else 503)
    add_never_cache_headers(response)
    return response


@require_safe
def metrics(request):
    """Prometheus's text format, for a bearer of CONSILIUM_METRICS_TOKEN; without the setting
    there is nothing here (404), so it is closed unless a deployer opens it."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse("A bearer token is needed.", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exported.exposition(),
                            content_type="text/plain; version=0.0.4; charset=utf-8")
    add_never_cache_headers(response)
    return response
