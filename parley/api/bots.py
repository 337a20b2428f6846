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
from parley.api.paging import Cursor, paged
from parley.api.shapes import (
    ERRORS,
    Bot,
    BotList,
    ChangedBot,
    EndpointSecret,
    ErrorBody,
    NewToken,
    Token,
    TokenList,
)
from parley.api.tokens import TokenIn, token_dict
from parley.api.types import Id, Input, UpTo100, Username
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.integrations.outgoing.actions import (
    check_rotate_bot_endpoint_secret,
    check_set_bot_endpoint,
)

router = Router(tags=["bots"])


def bot_dict(bot: User) -> Bot:
    return {
        "user": user_summary(bot),
        "active": bot.is_active,
        "created_at": bot.date_joined.isoformat(),
        "endpoint_url": bot.bot_endpoint_url or None,
    }


@router.get("", response={200: BotList, **ERRORS}, url_name="bots")
def list_bots(
    request: AuthenticatedRequest, after: Username | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """Your bots, deactivated ones included, by username; the next page is `after` the
    last username of this one (`next`)."""
    return paged(bots_of(request.user), after, limit, "bots", bot_dict)


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
    active: bool | None = Field(None, description="false: its sockets close and its tokens stop.")
    endpoint_url: str | None = Field(
        None,
        description="Its outgoing webhook: an http:// or https:// URL with a host name and no "
        "user name or password, that Parley POSTs the messages that mention the bot or are "
        'sent to it directly to. null or "" removes it.',
    )


@router.patch(
    "/{bot_id}", response={200: ChangedBot, 409: ErrorBody, **ERRORS}, url_name="change_bot"
)
def change_bot(request: AuthenticatedRequest, bot_id: Id, data: BotChange) -> ChangedBot:
    """Deactivate or reactivate one of your bots, or set its outgoing webhook. The answer
    has the webhook's signing secret when this gave the bot its first endpoint (once)."""
    check_rate("bot", request.user.pk)
    bot, secret = access_bot(request.user, bot_id), None
    if "endpoint_url" in data.model_fields_set:
        bot, secret = check_set_bot_endpoint(request.user, bot_id, data.endpoint_url)
    if data.active is not None:
        bot = check_set_bot_active(request.user, bot_id, active=data.active)
    return {**bot_dict(bot), "endpoint_secret": secret}


@router.post(
    "/{bot_id}/endpoint_secret",
    response={200: EndpointSecret, 409: ErrorBody, **ERRORS},
    url_name="rotate_bot_endpoint_secret",
)
def rotate_endpoint_secret(request: AuthenticatedRequest, bot_id: Id) -> EndpointSecret:
    """A new signing secret for your bot's outgoing webhook; the old one stops at once.
    Its text is in this answer only."""
    check_rate("bot", request.user.pk)
    return {"secret": check_rotate_bot_endpoint_secret(request.user, bot_id)[1]}


@router.get("/{bot_id}/tokens", response={200: TokenList, **ERRORS}, url_name="bot_tokens")
def list_bot_tokens(
    request: AuthenticatedRequest, bot_id: Id, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """Your bot's tokens, newest first, as your own are listed."""
    bot = access_bot(request.user, bot_id)
    return paged(api_tokens_of(bot), after, limit, "tokens", token_dict)


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
