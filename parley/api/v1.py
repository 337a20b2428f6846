"""The REST API, version 1: /api/v1/, its OpenAPI 3.1 document at /api/v1/openapi.json
and a browsable page at /api/v1/docs (Swagger UI, served by Parley itself).

django-ninja builds the document from the endpoints' types. Endpoints are thin: they
parse (parley/api/types.py), call the same selectors and actions as the pages and the
socket, and answer. Every error is {"error": {"code", "message", ...}} with the socket's
codes (parley.core.errors), rendered here for ninja's own errors and by
parley.core.middleware.error_response for ParleyError.
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from parley.api import (
    attachments,
    bots,
    broadcasts,
    calls,
    conversations,
    friends,
    groups,
    messages,
    notifications,
    presence,
    push,
    rooms,
    search,
    tokens,
    users,
)
from parley.api.auth import AUTH, unauthenticated
from parley.api.types import NOT_BLANK, StrictParser
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.middleware import error_response, logger

api = NinjaAPI(
    title="Parley API",
    version="1",
    description=(
        "Everything the web client does, for scripts and bots. Send a personal access "
        "token as `Authorization: Bearer parley_pat_…` (Settings → API tokens). Errors "
        'are `{"error": {"code", "message"}}` with the same codes as the WebSocket. '
        "No text may hold a NUL character."
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    parser=StrictParser(),
)

api.add_router("/attachments", attachments.router)
api.add_router("/blocks", friends.blocks)
api.add_router("/conversations", conversations.router)
api.add_router("/messages", messages.router)
api.add_router("/notifications", notifications.router)
api.add_router("/rooms", rooms.router)
api.add_router("/groups", groups.router)
api.add_router("/direct", groups.direct)
api.add_router("/friend-requests", friends.requests)
api.add_router("/friends", friends.router)
api.add_router("/presence", presence.router)
api.add_router("/push", push.router)
api.add_router("/search", search.router)
api.add_router("/calls", calls.router)
api.add_router("/tokens", tokens.router)
api.add_router("/users", users.router)
api.add_router("/bots", bots.router)
api.add_router("/broadcasts", broadcasts.router)


def _refuse(request: HttpRequest, error: ParleyError) -> HttpResponse:
    logger.info(
        "refused %s %s for user %s: %s (%s)",
        request.method,
        request.path,
        getattr(request.user, "pk", None),
        error.code,
        error.message,
    )
    response = error_response(request, error)
    if error.code == ErrorCode.UNAUTHENTICATED:
        response["WWW-Authenticate"] = 'Bearer realm="parley"'
    return response


@api.exception_handler(ParleyError)
def _parley_error(request: HttpRequest, exc: ParleyError) -> HttpResponse:
    return _refuse(request, exc)


@api.exception_handler(AuthenticationError)
def _no_credentials(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _refuse(request, unauthenticated())


@api.exception_handler(ValidationError)
def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first: dict[str, Any] = exc.errors[0] if exc.errors else {}
    if tuple(first.get("loc", ()))[:1] == ("path",):
        return _refuse(request, not_found())  # no id like that: nothing is there
    # ("query", "q"), or ("body", "data", "name"): where it came from, ninja's parameter
    # for the body, then the field, which may itself be called "body".
    loc = tuple(first.get("loc", ()))
    where = [str(part) for part in loc[2 if loc[:1] == ("body",) else 1 :]]
    field = ".".join(where) or "input"
    return _refuse(request, ParleyError(ErrorCode.INVALID, _explain(field, first), field=field))


def _explain(field: str, error: dict[str, Any]) -> str:
    """pydantic's complaint about `field`, in the words of Parley's other errors."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return f'"{field}" is required.'
    if kind == "greater_than_equal":
        return f'"{field}" must be at least {context.get("ge")}.'
    if kind == "less_than_equal":
        return f'"{field}" must be at most {context.get("le")}.'
    if kind == "string_too_long":
        return f'"{field}" must be at most {context.get("max_length")} characters.'
    if kind == "string_too_short" and context.get("min_length") == 1:
        return f'"{field}" is empty.'
    if kind == "string_pattern_mismatch" and context.get("pattern") == NOT_BLANK:
        return f'"{field}" is blank.'
    if kind == "extra_forbidden":
        return f'"{field}" is not a field of this request.'
    if kind in ("value_error", "int_parsing", "int_type"):
        return f'"{field}" must be a whole number in ASCII digits.'
    return f'"{field}": {error.get("msg", "not valid")}.'


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _refuse(request, ParleyError(ErrorCode.TOO_LARGE, "That request is too large."))


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _refuse(request, not_found())


_CODES = {400: ErrorCode.INVALID, 403: ErrorCode.FORBIDDEN, 404: ErrorCode.NOT_FOUND}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ParleyError):  # the body parser's own refusal
        return _refuse(request, exc.__cause__)
    code = _CODES.get(exc.status_code, ErrorCode.INVALID)
    return _refuse(request, ParleyError(code, str(exc)))
