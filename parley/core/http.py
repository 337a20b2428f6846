from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, JsonResponse

if TYPE_CHECKING:
    from parley.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request type of views behind login_required: `user` is a real User."""

    user: "User"


def api_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but answers 401 with a JSON error instead of redirecting."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": {"code": "unauthenticated", "message": "Log in first."}}, status=401
            )
        return view(request, *args, **kwargs)

    return wrapper


def query_int(request: HttpRequest, name: str, *, minimum: int = 0) -> int | None:
    """An optional whole-number query parameter, or ParleyError(invalid) naming it."""
    from parley.core.errors import ErrorCode, ParleyError

    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < minimum or len(raw) > 18:
        raise ParleyError(
            ErrorCode.INVALID, f'"{name}" must be a whole number of at least {minimum}.'
        )
    return int(raw)
