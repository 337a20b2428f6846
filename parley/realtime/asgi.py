"""The WebSocket application: origin check, authentication and routing in one callable.

It does what Channels' `OriginValidator(AuthMiddlewareStack(URLRouter(routes)))` does, once,
on the one scope the server made, so that an open socket keeps no copy of the scope, no
coroutine and no lazy wrapper per layer (bench/README.md, "idle socket"):

1. The Host header is checked against settings.ALLOWED_HOSTS as Django checks it for
   HTTP, and the Origin header as Channels' OriginValidator checks it, using its own
   matching code against settings.WEBSOCKET_ALLOWED_ORIGINS; in development (DEBUG) the
   origin the page is actually served from (the Host of the handshake) is allowed too, so
   `make run PORT=…` works on any port. A bad host is refused by closing before the
   accept (the server answers HTTP 403). A refused origin (a malformed one too) is
   accepted and at once closed with 4403 and a reason naming the setting, because a
   browser cannot see a 403 and could only retry forever; nothing is read or sent before
   the close. Both are logged with what to change.
2. Each authenticator in turn looks at the scope. scope["user"] is the first user found,
   the User itself and not a lazy proxy, or else AnonymousUser. The session authenticator
   also puts the login session in scope["session"]: the consumer names its socket's
   session with it, so that logout closes that session's sockets. A client that is not a
   browser (a bot, a script) signs in with an API token in the handshake's
   `Authorization: Bearer` header instead; scope["token_key"] names the token, whose
   revocation closes the socket. Such a client may send no Origin (browsers always do).
3. The path picks the consumer (parley/realtime/routing.py), which gets this same scope.

To add a way of signing in, write another `Authenticator` and list it in AUTHENTICATORS.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from importlib import import_module
from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import parse_cookie
from django.http.request import split_domain_port, validate_host

from parley.accounts.sessions import signed_in_users
from parley.accounts.tokens import token_user
from parley.core.resilience import unavailable
from parley.realtime.limits import CLOSE_ORIGIN_REFUSED, CLOSE_TRY_AGAIN
from parley.realtime.routing import websocket_not_found, websocket_routes
from parley.realtime.threads import coalescing, reading

logger = logging.getLogger("parley.realtime")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# Who the socket belongs to, or None if this authenticator cannot tell. It may add to
# the scope what the consumer needs of its way of signing in.
Authenticator = Callable[[Scope], Awaitable[Any]]


def _headers(scope: Scope, name: bytes) -> list[bytes]:
    """The values of the handshake's headers called `name` (lowercase), in order."""
    return [value for header, value in scope.get("headers", ()) if header == name]


def origin_allowed(scope: Scope) -> bool:
    """Whether the handshake's Origin is one of settings.WEBSOCKET_ALLOWED_ORIGINS, as
    Channels' OriginValidator decides it: its last Origin header, and without one only
    if "*" is allowed or the client signs in with a token (a browser always sends an
    Origin, and cannot send an Authorization header on a WebSocket)."""
    origins = _headers(scope, b"origin")
    if not origins and _headers(scope, b"authorization"):
        return True
    origin = origins[-1].decode("latin1") if origins else None
    try:
        if _listed(origin, tuple(settings.WEBSOCKET_ALLOWED_ORIGINS)):
            return True
        parsed = urlparse(origin) if origin is not None else None
        return bool(settings.DEBUG) and parsed is not None and _same_origin(scope, parsed)
    except ValueError:  # a malformed origin: a port that is not a number, a bad IPv6
        return False


@lru_cache(maxsize=256)
def _listed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether Channels' OriginValidator finds `origin` among `allowed`; remembered, as
    every handshake of a page asks about the same few origins (and the validator parses
    every pattern each time)."""
    parsed = urlparse(origin) if origin is not None else None
    return bool(OriginValidator(None, list(allowed)).valid_origin(parsed))


def _same_origin(scope: Scope, origin: ParseResult) -> bool:
    """Whether `origin` is the one the handshake was made to: its host and port are the
    handshake's Host header (itself one of ALLOWED_HOSTS, checked first) and its scheme
    matches the socket's (http for ws, https for wss). Used in development only, where
    the port is whatever `make run PORT=…` chose."""
    hosts = _headers(scope, b"host")
    if len(hosts) != 1 or not origin.hostname:
        return False
    origin.port  # noqa: B018  # raises ValueError for a port that is not a number
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return origin.scheme == scheme and origin.netloc.lower() == hosts[0].decode("latin1").lower()


ORIGIN_REFUSED_REASON = "origin not allowed: add it to WEBSOCKET_ALLOWED_ORIGINS"


async def _refuse_origin(receive: Receive, send: Send) -> None:
    """Accept and close at once with 4403 and a reason: a browser sees a refused
    handshake only as 1006, and the page could not tell the user why it never connects.
    The socket is not authenticated and nothing is read from it."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send(
        {"type": "websocket.close", "code": CLOSE_ORIGIN_REFUSED, "reason": ORIGIN_REFUSED_REASON}
    )


def host_allowed(scope: Scope) -> bool:
    """Whether the handshake's Host (else the server's own address) is one of
    settings.ALLOWED_HOSTS, as Django's HttpRequest.get_host decides it for HTTP."""
    hosts = _headers(scope, b"host")
    if len(hosts) > 1:
        return False  # ambiguous; HTTP/1.1 servers answer it with 400
    if hosts:
        host = hosts[0].decode("latin1")
    elif scope.get("server"):
        host = "{}:{}".format(*scope["server"])
    else:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


async def session_user(scope: Scope) -> Any:
    """The user signed in to the login session that the session cookie names.

    Always sets scope["session"] (Django's SessionStore, settings.SESSION_ENGINE; without
    a cookie, a new empty one). The session and then the user are read in the read pool
    (parley/realtime/threads.py), with those of the other sockets signing in meanwhile,
    by signed_in_users, Django's get_user in plain SQL, which also checks the session
    against the user's credentials (a changed password ends it).
    """
    cookie = _headers(scope, b"cookie")[:1]  # the first, as Channels' CookieMiddleware
    cookies = parse_cookie(cookie[0].decode("latin1")) if cookie else {}
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    scope["session"] = import_module(settings.SESSION_ENGINE).SessionStore(key)
    if key is None:
        return None
    user = await _signed_in(scope["session"])
    return user


# Django's own reading of a login session: the user, if the session's hash of their
# credentials still matches (else None, and the session is flushed).
_signed_in = coalescing(signed_in_users)


async def bearer_user(scope: Scope) -> Any:
    """The owner of the API token in the handshake's `Authorization: Bearer` header; a
    header that holds no valid token signs nobody in (AnonymousUser: no fall-back to a
    session cookie). Sets scope["token_key"] and scope["read_only"]."""
    header = _headers(scope, b"authorization")[:1]
    if not header:
        return None
    scheme, _, credential = header[0].decode("latin1").partition(" ")
    token = await _token(credential.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        logger.info("refused a WebSocket token from %s", (scope.get("client") or ("?",))[0])
        return AnonymousUser()
    scope["session"] = None
    scope["token_key"] = token.key
    scope["read_only"] = not token.may_write
    return token.user


@reading
def _token(text: str) -> Any:
    return token_user(text)


AUTHENTICATORS: tuple[Authenticator, ...] = (bearer_user, session_user)


async def _try_again_later(receive: Receive, send: Send) -> None:
    """The database (or Redis) is away while signing in: accept and close at once with
    1013 ("try again later"), which a client can tell from a refusal (a browser sees a
    refused handshake as 1006 with no reason); it reconnects with back-off."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})


class WebSocketApplication:
    """The ASGI application for every WebSocket (see the module's docstring)."""

    def __init__(self, authenticators: Sequence[Authenticator] = AUTHENTICATORS) -> None:
        self.authenticators = tuple(authenticators)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            raise ValueError("WebSocketApplication serves WebSockets only")
        if not host_allowed(scope):
            logger.warning(
                "refused a WebSocket from %s: host %r is not in ALLOWED_HOSTS",
                (scope.get("client") or ("?",))[0],
                b",".join(_headers(scope, b"host")).decode("latin1"),
            )
            await WebsocketDenier()(scope, receive, send)
            return
        if not origin_allowed(scope):
            logger.warning(
                "refused a WebSocket from %s: origin %r is not in WEBSOCKET_ALLOWED_ORIGINS "
                "(closed with 4403); add it there (scheme://host:port) if it serves Parley",
                (scope.get("client") or ("?",))[0],
                b",".join(_headers(scope, b"origin")).decode("latin1"),
            )
            await _refuse_origin(receive, send)
            return
        try:
            scope["user"] = await self.authenticate(scope)
        except Exception as error:
            if unavailable(error) is None:  # logs the outage once; a bug is raised
                raise
            await _try_again_later(receive, send)
            return
        await self.route(scope)()(scope, receive, send)

    async def authenticate(self, scope: Scope) -> Any:
        """The first user an authenticator finds, else AnonymousUser."""
        for authenticator in self.authenticators:
            user = await authenticator(scope)
            if user is not None:
                return user
        return AnonymousUser()

    @staticmethod
    def route(scope: Scope) -> Any:
        """The consumer class for the scope's path (below any root path)."""
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return websocket_routes.get(path, websocket_not_found)
