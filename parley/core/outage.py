"""The database away: 503 with Retry-After instead of a 500, logged once per outage.

Django turns every exception that escapes a view or a middleware (the session and the
user are loaded lazily, in either) into the handler500 response, so that one view,
server_error, is the outermost place that sees them all. A lost or refused database
connection there becomes ErrorCode.UNAVAILABLE: JSON under /api/, a page for browsers,
rendered without touching the database.
"""

import logging
import sys
import threading
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string

from parley.core.errors import ErrorCode, ParleyError
from parley.core.middleware import wants_json
from parley.core.resilience import database_away

logger = logging.getLogger("parley.outage")


def outage_cause(exc: BaseException | None) -> BaseException | None:
    """The database error behind `exc` (itself or what it was raised from) that says the
    database is away (parley.core.resilience.database_away), if any."""
    seen = 0
    while exc is not None and seen < 10:
        if database_away(exc):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


class _Bursts:
    """Logs the first failure of an outage, and how many requests the last one refused;
    failures less than `quiet` seconds apart belong to one outage."""

    quiet = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -self.quiet
        self._count = 0

    def note(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            starts = now - self._last > self.quiet
            previous, self._last = self._count, now
            self._count = 1 if starts else self._count + 1
        if starts:
            logger.error(
                "database unavailable, answering 503 until it is back: %s: %s%s",
                type(exc).__name__,
                str(exc).strip() or "(no message)",
                f" (the previous outage refused {previous} requests)" if previous else "",
            )


bursts = _Bursts()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 + Retry-After while the database is away, else the plain 500 page."""
    cause = outage_cause(sys.exc_info()[1])
    if cause is None:
        return HttpResponseServerError(render_to_string("500.html"))
    bursts.note(cause)
    error = ParleyError(
        ErrorCode.UNAVAILABLE,
        "Parley cannot reach its database just now; try again in a few seconds.",
        retry_after=settings.UNAVAILABLE_RETRY_AFTER_SECONDS,
    )
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": error.as_dict()}, status=error.status)
    else:
        # No request context: its processors would load the session and the user.
        page = render_to_string("error.html", {"error": error, "user": AnonymousUser()})
        response = HttpResponse(page, status=error.status)
    response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)
    response._has_been_logged = True  # type: ignore[attr-defined]  # logged once, above
    return response
