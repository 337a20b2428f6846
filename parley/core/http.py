"""What HTTP views share: rate limits, and reading a request's input strictly.

Views read JSON bodies with json_body and numbers from the query string with query_int,
so every endpoint refuses the same bad input the same way (parley.core.validation):
a ParleyError that parley.core.middleware renders as 400 JSON or an error page.
"""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from parley.core.addresses import request_address
from parley.core.errors import ErrorCode, ParleyError
from parley.core.ratelimit import check_rate
from parley.core.validation import ascii_int, loads_strict

if TYPE_CHECKING:
    from parley.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind login_required: `user` is a real User."""

    user: "User"


def rate_limit(
    action: str, *, methods: tuple[str, ...] = ("GET", "POST")
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Takes a token of settings.RATE_LIMITS[`action`] for the signed-in user (else for the
    client's address) on each request with one of `methods` (a page's GET that only shows
    a form is free), or raises ParleyError(rate_limited): 429 with Retry-After, before the
    view does anything. Goes inside login_required."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                user = request.user
                subject = (
                    user.pk
                    if user.is_authenticated
                    else f"ip:{request_address(request) or 'unknown'}"
                )
                check_rate(action, subject)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def query_int(request: HttpRequest, name: str, *, minimum: int = 0) -> int | None:
    """An optional whole-number query parameter in ASCII digits, or ParleyError(invalid)
    naming it."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    return ascii_int(raw, name, minimum=minimum)


def json_body(request: HttpRequest, *, empty: Any = None) -> Any:
    """The request's body parsed as strict JSON (parley.core.validation.loads_strict:
    bounded size and depth, no NaN, no duplicate keys, storable text), or `empty` for
    an empty body when given; anything else is ParleyError(invalid)."""
    try:
        raw = request.body
    except RequestDataTooBig as exc:  # over settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise ParleyError(ErrorCode.TOO_LARGE, "That request is too large.") from exc
    if not raw and empty is not None:
        return empty
    return loads_strict(
        raw, max_bytes=settings.API_MAX_JSON_BYTES, max_depth=settings.API_MAX_JSON_DEPTH
    )


def json_object(request: HttpRequest) -> dict[str, Any]:
    """json_body that must be an object (an empty body is {})."""
    data = json_body(request, empty={})
    if not isinstance(data, dict):
        raise ParleyError(ErrorCode.INVALID, "Send a JSON object.")
    return data
