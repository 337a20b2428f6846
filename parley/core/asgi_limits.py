"""Bounds on HTTP request bodies, in front of Django, however Parley is served.

uvicorn hands the application a body as it arrives and sets no limit of its own; Django
reads the whole body before any view or middleware runs. So this ASGI middleware, on
the "http" branch of config/asgi.py, refuses before Django sees the request:

- a declared Content-Length over settings.HTTP_MAX_BODY_BYTES: 413, before the body
  is read;
- a body (chunked, or longer than declared) that grows past it: 413 once over;
- a body not complete within settings.HTTP_BODY_TIMEOUT_SECONDS of the first read (one
  that trickles in, or declares more than it sends): 408.

An attachment's upload (POST /api/v1/conversations/<id>/attachments, one file a request)
has its own bounds: settings.FILES_MAX_BYTES plus UPLOAD_ENVELOPE_BYTES for the multipart
envelope, and settings.FILES_UPLOAD_TIMEOUT_SECONDS. Django then spools the body to a
temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE, never holding it whole in memory, and
parley.files.uploads counts each file's bytes again as the multipart parser reads it.

Each answer is JSON under /api/ (like parley.core.middleware) and closes the connection,
whose unread rest is not worth reading.
"""

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from parley.core.errors import JSON_PATHS

logger = logging.getLogger("parley.http")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
_DIGITS = re.compile(rb"[0-9]{1,18}\Z")
UPLOAD_PATH = re.compile(r"/api/v1/conversations/[0-9]{1,18}/attachments\Z")
# The multipart boundaries, headers and a long file name around one file.
UPLOAD_ENVELOPE_BYTES = 16 * 1024


def body_bounds(scope: Scope) -> tuple[int, float]:
    """The largest body (bytes) and the time for it (seconds) that `scope` may send."""
    if scope.get("method") == "POST" and UPLOAD_PATH.match(scope.get("path", "")):
        return (
            settings.FILES_MAX_BYTES + UPLOAD_ENVELOPE_BYTES,
            settings.FILES_UPLOAD_TIMEOUT_SECONDS,
        )
    return settings.HTTP_MAX_BODY_BYTES, settings.HTTP_BODY_TIMEOUT_SECONDS


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _too_large(limit: int) -> _Refused:
    if limit == settings.FILES_MAX_BYTES + UPLOAD_ENVELOPE_BYTES:
        megabytes = settings.FILES_MAX_BYTES / 1_048_576
        return _Refused(413, "too_large", f"A file may be at most {megabytes:g} MB.")
    return _Refused(413, "too_large", f"The request body is over {limit // 1024} KiB.")


class BodyLimits:
    """Wraps the HTTP application (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, timeout = body_bounds(scope)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            self._check_declared(scope, limit)
            await self.app(scope, _BoundedBody(receive, limit, timeout), tracking_send)
        except _Refused as refusal:
            logger.info(
                "refused %s %s from %s: %s", scope.get("method"), scope.get("path"),
                (scope.get("client") or ("?",))[0], refusal.message,
            )  # fmt: skip
            if not started:
                await _answer(scope, send, refusal)

    @staticmethod
    def _check_declared(scope: Scope, limit: int) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not _DIGITS.match(value):
                    raise _Refused(400, "invalid", "Content-Length must be a whole number.")
                if int(value) > limit:
                    raise _too_large(limit)


class _BoundedBody:
    """The application's `receive`: the body's messages until it is complete, within
    the size limit and the deadline; after that, unchanged (Django waits on it for the
    client's disconnect)."""

    def __init__(self, receive: Receive, limit: int, timeout: float) -> None:
        self.receive = receive
        self.limit = limit
        self.timeout = timeout
        self.received = 0
        self.complete = False
        self.deadline: float | None = None

    async def __call__(self) -> Message:
        if self.complete:
            return await self.receive()
        loop = asyncio.get_running_loop()
        if self.deadline is None:
            self.deadline = loop.time() + self.timeout
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            raise _Refused(408, "timeout", "The request body did not arrive in time.") from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                raise _too_large(self.limit)
            self.complete = not message.get("more_body", False)
        else:
            self.complete = True  # disconnected
        return message


async def _answer(scope: Scope, send: Send, refusal: _Refused) -> None:
    if scope.get("path", "").startswith(JSON_PATHS):
        error = {"code": refusal.code, "message": refusal.message}
        body, kind = json.dumps({"error": error}).encode(), b"application/json"
    else:
        body, kind = refusal.message.encode(), b"text/plain; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the rest of the body is not read
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
