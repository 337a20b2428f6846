"""The caller's bots: make them, deactivate or reactivate them, and give them tokens."""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field

from parley.accounts.access import access_bot
from parley.accounts.actions.bots import (
    check_create_bot,
    check_create_bot_token,
    check_set_bot_active,
)
from parley.accounts.actions.tokens import check_revoke_api_token
from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.accounts.selectors import api_tokens_of, bots_of
from parley.api.shapes import ERRORS, Bot, BotList, ErrorBody, NewToken, Token, TokenList
from parley.api.tokens import TokenIn, token_dict
from parley.api.types import Id, Input
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate

router = Router(tags=["bots"])


def bot_dict(bot: User) -> Bot:
    return {
        "user": user_summary(bot),
        "active": bot.is_active,
        "created_at": bot.date_joined.isoformat(),
    }


@router.get("", response={200: BotList, **ERRORS}, url_name="bots")
def list_bots(request: AuthenticatedRequest) -> dict[str, Any]:
    """Your bots, deactivated ones included."""
    return {"bots": [bot_dict(b) for b in bots_of(request.user)]}


# A username (3 to 32 letters a-z, digits and . _ -, from a letter or a digit) that ends
# in "-bot", in any case (parley/accounts/actions/bots.py).
BOT_USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,27}-[Bb][Oo][Tt]$"


class BotIn(Input):
    username: str = Field(
        pattern=BOT_USERNAME, description='Ends in "-bot", e.g. "deploy-bot"; 5 to 32 characters.'
    )
    name: Annotated[str, MaxLen(64)] = Field(
        "", description="The name shown with its messages (up to 64)."
    )


@router.post("", response={201: Bot, 409: ErrorBody, **ERRORS}, url_name="create_bot")
def create_bot(request: AuthenticatedRequest, data: BotIn) -> Status[Bot]:
    """A new bot, owned by you. Give it a token next; it has no password."""
    check_rate("bot", request.user.pk)
    bot = check_create_bot(request.user, username=data.username, display_name=data.name)
    return Status(201, bot_dict(bot))


@router.get("/{bot_id}", response={200: Bot, **ERRORS}, url_name="bot")
def get_bot(request: AuthenticatedRequest, bot_id: Id) -> Bot:
    return bot_dict(access_bot(request.user, bot_id))


class BotChange(Input):
    active: bool = Field(description="false: its sockets close and its tokens stop.")


@router.patch("/{bot_id}", response={200: Bot, 409: ErrorBody, **ERRORS}, url_name="change_bot")
def change_bot(request: AuthenticatedRequest, bot_id: Id, data: BotChange) -> Bot:
    """Deactivate or reactivate one of your bots."""
    check_rate("bot", request.user.pk)
    return bot_dict(check_set_bot_active(request.user, bot_id, active=data.active))


@router.get("/{bot_id}/tokens", response={200: TokenList, **ERRORS}, url_name="bot_tokens")
def list_bot_tokens(request: AuthenticatedRequest, bot_id: Id) -> dict[str, Any]:
    bot = access_bot(request.user, bot_id)
    return {"tokens": [token_dict(t) for t in api_tokens_of(bot)]}


@router.post(
    "/{bot_id}/tokens",
    response={201: NewToken, 409: ErrorBody, **ERRORS},
    url_name="create_bot_token",
)
def create_bot_token(request: AuthenticatedRequest, bot_id: Id, data: TokenIn) -> Status[NewToken]:
    """A token for your bot. Its text is in this answer only: store it now."""
    check_rate("token", request.user.pk)
    token, text = check_create_bot_token(
        request.user,
        bot_id,
        name=data.name,
        scope=data.scope,
        expires_in_days=data.expires_in_days,
    )
    return Status(201, {"token": text, "details": token_dict(token)})


@router.delete(
    "/{bot_id}/tokens/{token_id}", response={200: Token, **ERRORS}, url_name="revoke_bot_token"
)
def revoke_bot_token(request: AuthenticatedRequest, bot_id: Id, token_id: Id) -> Token:
    """Revoke one of your bot's tokens: it stops working, its sockets close."""
    check_rate("token", request.user.pk)
    return token_dict(check_revoke_api_token(access_bot(request.user, bot_id), token_id))
