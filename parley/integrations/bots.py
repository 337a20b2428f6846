"""The bot each integration posts as (a GitHub link, a Slack-compatible webhook)."""

from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string

from parley.accounts.actions.bots import do_create_bot
from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_integration_bot(owner: User, *, prefix: str, display_name: str) -> User:
    """A new bot of `owner`'s named "<prefix>-<8 random characters>-bot" and
    `display_name`, for one integration to post as."""
    for _ in range(5):
        username = f"{prefix}-{get_random_string(8, _ALPHABET)}-bot"
        try:
            with transaction.atomic():
                return do_create_bot(owner, username=username, display_name=display_name)
        except (ParleyError, IntegrityError):
            continue  # taken: draw again
    raise ParleyError(ErrorCode.CONFLICT, "Could not name the integration's bot; try again.")
