"""The client's address, one answer for the lockout (django-axes) and the audit trail.

Behind the TLS proxy every connection comes from the proxy. The client is the address the
trusted proxy appended to X-Forwarded-For; entries further left were sent by the client
itself and prove nothing, so with N proxies only the Nth entry from the right is read.
"""

import ipaddress
import logging
import re

from django.conf import settings

logger = logging.getLogger(__name__)

# Some proxies append the client's port: "203.0.113.9:5555", "[2001:db8::1]:443".
WITH_PORT = re.compile(r"\[(?P<v6>[0-9A-Fa-f:.]+)\](?::[0-9]{1,5})?|(?P<v4>[0-9.]+):[0-9]{1,5}")


def client_address(request) -> str | None:
    """Whoever sent the request, as the outermost trusted proxy saw them (else the peer)."""
    peer = request.META.get("REMOTE_ADDR") or None
    if not settings.BEHIND_PROXY:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < settings.PROXY_COUNT:
        return peer  # did not come through every proxy: only the peer is known
    address = forwarded_address(hops[-settings.PROXY_COUNT])
    if address is None:
        # The trusted proxy wrote this entry, so no client can: the proxy is misconfigured.
        logger.warning("X-Forwarded-For entry %d from the right is not an address: %.60r; "
                       "using the proxy's", settings.PROXY_COUNT, hops[-settings.PROXY_COUNT])
        return peer
    return address


def forwarded_address(entry: str) -> str | None:
    """The address in one X-Forwarded-For entry, without a port; None if it holds none."""
    with_port = WITH_PORT.fullmatch(entry)
    host = (with_port["v6"] or with_port["v4"]) if with_port else entry
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
