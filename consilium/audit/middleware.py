from consilium.proxy import client_address

from . import trail
from .context import client_ip, seal_wanted


class AuditContextMiddleware:
    """Remember the client's address so audit rows can say where an access came from, and
    seal the request's audit rows once, when its response is ready (a page appends a few
    times: one seal, not one per append)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_ip.set(client_address(request))
        wanted = seal_wanted.set([])
        try:
            return self.get_response(request)
        finally:
            appended = bool(seal_wanted.get())
            seal_wanted.reset(wanted)
            client_ip.reset(token)
            if appended:
                trail.seal_after_request()
