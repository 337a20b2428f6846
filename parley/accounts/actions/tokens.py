"""Creating and revoking personal access tokens (parley/accounts/tokens.py).

check_create_api_token returns the token itself: the only time anyone sees it.
do_revoke_api_token closes the sockets opened with the token once the change commits.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import ApiToken, User
from parley.accounts.tokens import new_token
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.validation import check_text
from parley.events.publish import end_token

MAX_LIVE_TOKENS = 50
MAX_EXPIRY_DAYS = 366


def check_create_api_token(
    user: User, *, name: str, scope: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    """A new token of `user`'s, and the token text to show them once.

    `name` says what it is for (1 to 64 characters), `scope` is "read" or "write", and
    `expires_in_days` (1 to 366) or None for a token that lasts until it is revoked."""
    name = check_text(name, "name").strip()
    if not 0 < len(name) <= 64:
        raise ParleyError(ErrorCode.INVALID, "Name the token (up to 64 characters).", field="name")
    if scope not in ApiToken.Scope.values:
        raise ParleyError(ErrorCode.INVALID, 'The scope is "read" or "write".', field="scope")
    if expires_in_days is not None and not 0 < expires_in_days <= MAX_EXPIRY_DAYS:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A token expires in 1 to {MAX_EXPIRY_DAYS} days, or never.",
            field="expires_in_days",
        )
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(expires_at__lte=now)
    if live.count() >= MAX_LIVE_TOKENS:
        raise ParleyError(
            ErrorCode.CONFLICT, f"You have {MAX_LIVE_TOKENS} tokens; revoke one first."
        )
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    return do_create_api_token(user, name=name, scope=scope, expires_at=expires_at)


def do_create_api_token(
    user: User, *, name: str, scope: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    token, key, digest = new_token()
    created = ApiToken.objects.create(
        user=user, name=name, scope=scope, expires_at=expires_at, key=key, digest=digest
    )
    return created, token


def check_revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens (another's is not found, as a missing one)."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise not_found("That token")
    return do_revoke_api_token(token)


def do_revoke_api_token(token: ApiToken) -> ApiToken:
    """Revoke `token` (again is a no-op); its sockets close after the commit."""
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        end_token(token.user_id, token.key)
    return token
