"""Who is calling the REST API: a personal access token, or the browser's login session.

A token comes only in `Authorization: Bearer …` (never in a URL). Present but not valid
(unknown, revoked, expired, its user deactivated, or not a bearer token at all), it is
refused with 401 rather than falling back to the session cookie. A read-only token may
call only GET, HEAD and OPTIONS. The session is Django's, with its CSRF check on unsafe
methods, so the chat page's scripts call the same endpoints as any other client.

Every request signed in either way spends a token of its user's "api" bucket, and a
token's requests also one of the token's "api_token" bucket (settings.RATE_LIMITS).
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth
from ninja.security.http import HttpAuthBase

from parley.accounts.models import ApiToken
from parley.accounts.tokens import token_user
from parley.core.errors import ErrorCode, ParleyError
from parley.core.ratelimit import rate_limited, take_quota

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unauthenticated(
    message: str = "Sign in, or send a token as Authorization: Bearer.",
) -> ParleyError:
    return ParleyError(ErrorCode.UNAUTHENTICATED, message)


class TokenAuth(HttpAuthBase):
    """`Authorization: Bearer parley_pat_…`; request.auth is the ApiToken."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None  # not this way of signing in: try the session
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise unauthenticated('Send the token as "Authorization: Bearer <token>".')
        token = token_user(credential.strip())
        if token is None:
            raise unauthenticated("That token is not valid (revoked, expired or mistyped).")
        if request.method not in SAFE_METHODS and not token.may_write:
            raise ParleyError(ErrorCode.FORBIDDEN, "This token may only read.")
        request.user = token.user
        spend(request, ("api_token", token.pk), ("api", token.user_id))
        return token


class BrowserSession(SessionAuth):
    """Django's login session (the cookie), CSRF-checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        spend(request, ("api", user.pk))
        return user


def spend(request: HttpRequest, *buckets: tuple[str, int]) -> None:
    """Take the request's token from each bucket (the token's, the user's), note the
    scarcest for the X-RateLimit-* headers (parley/api/middleware.py), and refuse the
    request (429, Retry-After) when any is empty."""
    quotas = [(take_quota(action, subject), action) for action, subject in buckets]
    quota, action = min(quotas, key=lambda pair: (pair[0].wait == 0, pair[0].remaining))
    request.api_quota = quota  # type: ignore[attr-defined]  # read by the middleware
    if quota.wait:
        raise rate_limited(action, quota.wait)


AUTH = [TokenAuth(), BrowserSession()]
