"""The client's address: the one answer every per-address limit keys on (HTTP rate limits,
login throttling, new sockets).

Without a proxy it is the peer's address (REMOTE_ADDR, or the ASGI scope's client).
Behind TRUSTED_PROXY_COUNT reverse proxies that each append to X-Forwarded-For, it is the
entry that many from the end: the address the outermost trusted proxy saw. Anything a
client wrote further left is ignored, and without trusted proxies the header is not read
at all, so a client cannot choose its own address. (python-ipware, what django-axes would
use, reads the header even with no proxy configured.)
"""

from collections.abc import Mapping
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The address from the peer's and the X-Forwarded-For header's (see the module);
    None if there is none (a request made in-process)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        if len(hops) >= count:
            candidate = hops[-count]
            try:
                return str(ip_address(candidate))
            except ValueError:
                pass  # not an address: the peer's, rather than a key a client chose
    return peer or None


def request_address(request: HttpRequest) -> str | None:
    """An HTTP request's client address (also django-axes's, AXES_CLIENT_IP_CALLABLE)."""
    meta: Mapping[str, Any] = request.META
    return client_address(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))


def scope_address(scope: Mapping[str, Any]) -> str | None:
    """An ASGI connection's client address (a WebSocket's, from its handshake)."""
    client = scope.get("client") or (None, 0)
    forwarded = [v for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
    joined = b", ".join(forwarded).decode("latin1") if forwarded else None
    return client_address(client[0], joined)
