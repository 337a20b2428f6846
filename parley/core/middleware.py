"""Renders ParleyError raised by any view: JSON for API clients, a page for browsers."""

import logging
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
        if wants_json(request):
            return JsonResponse({"error": exc.as_dict()}, status=exc.status)
        return render(request, "error.html", {"error": exc}, status=exc.status)
