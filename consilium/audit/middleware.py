from consilium.proxy import client_address

from . import trail
from .context import RequestTrail, client_ip, request_trail


class AuditContextMiddleware:
    """Remember the client's address so audit rows can say where an access came from, and
    append the request's reads together when its response is ready, before any of it leaves
    (a streamed file's first byte included); then seal them, unless a sealer process does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_ip.set(client_address(request))
        current = RequestTrail()
        token = request_trail.set(current)
        try:
            return self.get_response(request)
        finally:
            request_trail.reset(token)
            client_ip.reset(address)
            # Also after an error: what was read was read. Should the insert fail, the error
            # replaces the response, which then never leaves unrecorded.
            trail.finish_request(current)
