"""The client's address, one answer for the lockout (django-axes) and the audit trail.

Behind the TLS proxy every connection comes from the proxy. The client is the address the
trusted proxy appended to X-Forwarded-For; entries further left were sent by the client
itself and prove nothing, so with N proxies only the Nth entry from the right is read.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """Whoever sent the request, as the outermost trusted proxy saw them (else the peer)."""
    peer = request.META.get("REMOTE_ADDR") or None
    if not settings.BEHIND_PROXY:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < settings.PROXY_COUNT:
        return peer  # did not come through every proxy: only the peer is known
    try:
        return str(ipaddress.ip_address(hops[-settings.PROXY_COUNT]))
    except ValueError:
        return peer
