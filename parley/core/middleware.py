"""Renders ParleyError raised by any view: JSON for API clients, a page for browsers;
refuses requests whose text no column can hold before any view sees them."""

import logging
import math
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from parley.core.errors import JSON_PATHS, ErrorCode, ParleyError
from parley.core.validation import text_problem

logger = logging.getLogger("parley.errors")


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(JSON_PATHS) or "application/json" in request.headers.get(
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


class TextInputMiddleware:
    """Refuses, with 400 invalid_text, a request whose path, query string or form (names
    and values) holds a NUL or a lone surrogate, whatever the view: no such text reaches
    a form, a selector or the database. (JSON bodies are checked by json_body.) A cookie
    holding one is dropped, as if it had not been sent. Sits before the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if _bad(name, value)]:
            del request.COOKIES[name]
        for field, value in _texts(request):
            problem = text_problem(value)
            if problem is not None:
                logger.info("refused %s %s: %r %s", request.method, request.path, field, problem)
                error = ParleyError(ErrorCode.INVALID_TEXT, f'"{field}" {problem}.', field=field)
                return error_response(request, error)
        return self.get_response(request)


def _bad(*texts: str) -> bool:
    return any(text_problem(text) is not None for text in texts)


def _texts(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(field, text) for the path and every name and value of the query and form."""
    yield "path", request.path_info
    for data in (request.GET, request.POST):  # POST: only form bodies are parsed
        for name, values in data.lists():
            yield "name", name
            for value in values:
                yield name, value
