"""Bot users: made by a person, who owns them, gives them tokens and can deactivate them.

A bot's username ends in "-bot" (people's may not), so it never passes for a person; it
has no usable password, so it signs in only with its API tokens (parley/accounts/tokens.py).
Deactivating a bot closes its sockets and stops its tokens, as for any deactivated user
(parley/accounts/sessions.py).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parley.accounts.access import access_bot
from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.models import ApiToken, User
from parley.accounts.models.user import username_validator
from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import check_text

BOT_SUFFIX = "-bot"
MAX_BOTS = 20
# A bot's email: unique like every user's, and in the reserved .invalid domain (RFC 2606).
BOT_EMAIL_DOMAIN = "bots.parley.invalid"


def check_create_bot(owner: User, *, username: str, display_name: str) -> User:
    """A new bot of `owner`'s, named `username` (ending in "-bot") and `display_name`."""
    if owner.is_bot:
        raise ParleyError(ErrorCode.FORBIDDEN, "A bot cannot make bots.")
    username = check_text(username, "username").strip()
    display_name = check_text(display_name, "name").strip()
    try:
        username_validator(username)
    except ValidationError as error:
        raise ParleyError(ErrorCode.INVALID, error.messages[0], field="username") from None
    if not username.lower().endswith(BOT_SUFFIX):
        message = f'A bot\'s username ends in "{BOT_SUFFIX}", e.g. "deploy{BOT_SUFFIX}".'
        raise ParleyError(ErrorCode.INVALID, message, field="username")
    if len(display_name) > 64:
        raise ParleyError(ErrorCode.INVALID, "Up to 64 characters.", field="name")
    if User.objects.filter(is_bot=True, bot_owner=owner, is_active=True).count() >= MAX_BOTS:
        raise ParleyError(ErrorCode.CONFLICT, f"You have {MAX_BOTS} bots; deactivate one first.")
    return do_create_bot(owner, username=username, display_name=display_name)


def do_create_bot(owner: User, *, username: str, display_name: str) -> User:
    bot = User(
        username=username,
        email=f"{username.lower()}@{BOT_EMAIL_DOMAIN}",
        display_name=display_name,
        is_bot=True,
        bot_owner=owner,
    )
    bot.set_unusable_password()
    try:
        with transaction.atomic():
            bot.save()
    except IntegrityError:
        raise ParleyError(ErrorCode.CONFLICT, "That username is taken.", field="username") from None
    return bot


def check_set_bot_active(owner: User, bot_id: int, *, active: bool) -> User:
    """Deactivate (its sockets close, its tokens stop) or reactivate one of `owner`'s bots."""
    bot = access_bot(owner, bot_id)
    if active and not bot.is_active:
        live = User.objects.filter(is_bot=True, bot_owner=owner, is_active=True).count()
        if live >= MAX_BOTS:
            raise ParleyError(ErrorCode.CONFLICT, f"You have {MAX_BOTS} active bots.")
    return do_set_bot_active(bot, active=active)


def do_set_bot_active(bot: User, *, active: bool) -> User:
    if bot.is_active != active:
        bot.is_active = active
        bot.save(update_fields=["is_active"])  # ends its sessions (accounts/sessions.py)
    return bot


def check_create_bot_token(
    owner: User, bot_id: int, *, name: str, scope: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    """A token for one of `owner`'s active bots, shown once, as for their own tokens."""
    bot = access_bot(owner, bot_id)
    if not bot.is_active:
        raise ParleyError(ErrorCode.CONFLICT, "Reactivate the bot first.")
    return check_create_api_token(bot, name=name, scope=scope, expires_in_days=expires_in_days)
