"""How django-axes names the account behind a login attempt, and answers a lockout."""

import math
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parley.accounts.models import User


def login_key(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """One key per account, however the user typed it (any case, username or email).

    So failures typed as "Alice" and "alice@example.org" count against the same
    lockout. Unknown names are keyed by their lowercase text.
    """
    typed = ((credentials or {}).get("username") or "").strip()
    if "@" in typed:
        username = (
            User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
        )
        if username:
            return username.lower()
    return typed.lower()


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Axes' lockout answer (AXES_LOCKOUT_CALLABLE): its page with 429, plus Retry-After
    with the cool-off, so a client knows when to retry. That is exactly what is left:
    every failure restarts the cool-off, attempts during the lockout too (axes'
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    cool_off = get_cool_off(request) or timedelta(0)
    response = render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"cooloff_timedelta": cool_off},
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(max(1, math.ceil(cool_off.total_seconds())))
    return response
