"""Who is calling the REST API: a personal access token, or the browser's login session.

A token comes only in `Authorization: Bearer …` (never in a URL). Present but not valid
(unknown, revoked, expired, its user deactivated, or not a bearer token at all), it is
refused with 401 rather than falling back to the session cookie. A read-only token may
call only GET, HEAD and OPTIONS. The session is Django's, with its CSRF check on unsafe
methods, so the chat page's scripts call the same endpoints as any other client.
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth
from ninja.security.http import HttpAuthBase

from parley.accounts.models import ApiToken
from parley.accounts.tokens import token_user
from parley.core.errors import ErrorCode, ParleyError

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
        return token


class BrowserSession(SessionAuth):
    """Django's login session (the cookie), CSRF-checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated else None


AUTH = [TokenAuth(), BrowserSession()]
