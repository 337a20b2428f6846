"""Personal access tokens of the caller: list, create (the token is shown once), revoke."""

from typing import Annotated, Any, Literal

from annotated_types import Interval, MaxLen
from ninja import Router, Status
from pydantic import Field

from parley.accounts.actions.tokens import (
    MAX_EXPIRY_DAYS,
    check_create_api_token,
    check_revoke_api_token,
)
from parley.accounts.models import ApiToken
from parley.accounts.selectors import api_tokens_of
from parley.api.paging import Cursor, paged
from parley.api.shapes import ERRORS, ErrorBody, NewToken, Token, TokenList
from parley.api.types import Id, Input, Said, UpTo100, Whole
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate

router = Router(tags=["tokens"])


def token_dict(token: ApiToken) -> Token:
    return {
        "id": token.pk,
        "name": token.name,
        "scope": "write" if token.may_write else "read",
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at is not None,
    }


@router.get("", response={200: TokenList, **ERRORS})
def list_tokens(
    request: AuthenticatedRequest, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """Your tokens, newest first, revoked and expired ones included; the next page is
    `after` this one's `next`."""
    return paged(api_tokens_of(request.user), after, limit, "tokens", token_dict)


class TokenIn(Input):
    name: Annotated[Said, MaxLen(64)] = Field(description="What it is for, 1–64 characters.")
    scope: Literal["read", "write"] = "write"
    expires_in_days: Annotated[int, Interval(ge=1, le=MAX_EXPIRY_DAYS), Whole] | None = Field(
        None, description="1–366, or null for never."
    )


@router.post("", response={201: NewToken, 409: ErrorBody, **ERRORS})
def create_token(request: AuthenticatedRequest, data: TokenIn) -> Status[NewToken]:
    """A new token. Its text is in this answer only: store it now. 409 when you already
    have 50 live tokens."""
    check_rate("token", request.user.pk)
    if request.user.is_bot:
        raise ParleyError(ErrorCode.FORBIDDEN, "A bot's tokens are made by its owner.")
    token, text = check_create_api_token(
        request.user, name=data.name, scope=data.scope, expires_in_days=data.expires_in_days
    )
    return Status(201, {"token": text, "details": token_dict(token)})


@router.delete("/{token_id}", response={200: Token, **ERRORS})
def revoke_token(request: AuthenticatedRequest, token_id: Id) -> Token:
    """Revoke one of your tokens: it stops working, and sockets opened with it close."""
    check_rate("token", request.user.pk)
    return token_dict(check_revoke_api_token(request.user, token_id))
