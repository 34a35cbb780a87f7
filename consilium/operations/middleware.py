from consilium.operations import views

# Answered here, for GET and HEAD; anything else goes on to the URL patterns (405).
ADDRESSES = {"/health/": views.health, "/metrics": views.metrics}


class OperationsMiddleware:
    """Answer /health/ and /metrics before anything else: a load balancer probes each machine
    by its own address (not an allowed host) over plain HTTP (the TLS proxy is in front), and
    neither needs a session, a sign-in or CSRF. They carry no health data, no IDs and no
    links; /metrics is closed without its token (views.metrics)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ADDRESSES.get(request.path_info)
        if view and request.method in {"GET", "HEAD"}:
            return view(request)
        return self.get_response(request)
