"""Renders ParleyError raised by any view: JSON for API clients, a page for browsers."""

import logging
import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from parley.core.errors import ParleyError

logger = logging.getLogger("parley.errors")


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


class ParleyErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ParleyError):
            return None
        logger.info(
            "refused %s %s for user %s: %s (%s)",
            request.method,
            request.path,
            getattr(request.user, "pk", None),
            exc.code,
            exc.message,
        )
        return error_response(request, exc)


def error_response(request: HttpRequest, error: ParleyError) -> HttpResponse:
    """`error` as the client wants it (JSON or a page), with Retry-After when it says
    how long to wait."""
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": error.as_dict()}, status=error.status)
    else:
        response = render(request, "error.html", {"error": error}, status=error.status)
    retry_after = error.details.get("retry_after")
    if retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response
