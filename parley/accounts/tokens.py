"""Personal access tokens: their format, and signing in with one.

A token reads `parley_pat_` + a 12-character key + a 32-character secret (letters and
digits: about 190 random bits). The fixed prefix lets secret scanners find a leaked
token. The database keeps the key and the SHA-256 of the whole token, never the token:
a token this random needs no slow hash, and the digest is compared in constant time.
"""

import hashlib
import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.crypto import get_random_string

from parley.accounts.models import ApiToken

PREFIX = "parley_pat_"
KEY_LENGTH = 12
SECRET_LENGTH = 32
# last_used_at is written at most this often per token, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def new_token() -> tuple[str, str, str]:
    """A fresh token, with its key and digest: (token, key, digest)."""
    key = get_random_string(KEY_LENGTH)
    token = PREFIX + key + get_random_string(SECRET_LENGTH)
    return token, key, digest_of(token)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def key_of(token: str) -> str | None:
    """The key inside `token`, or None if it is not shaped like one of ours."""
    body = token.removeprefix(PREFIX)
    if body == token or len(body) != KEY_LENGTH + SECRET_LENGTH or not body.isascii():
        return None
    if not body.isalnum():
        return None
    return body[:KEY_LENGTH]


def token_user(token: str) -> ApiToken | None:
    """The live token `token` names (its user loaded), or None: unknown, wrong secret,
    revoked, expired, or its user deactivated. Notes when it was last used."""
    key = key_of(token)
    digest = digest_of(token)
    found = ApiToken.objects.select_related("user").filter(key=key).first() if key else None
    if found is None or not hmac.compare_digest(found.digest, digest):
        return None
    now = timezone.now()
    if found.revoked_at is not None or (found.expires_at is not None and found.expires_at <= now):
        return None
    if not found.user.is_active:
        return None
    if found.last_used_at is None or found.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def token_still_valid(key: str, user_id: int) -> bool:
    """Whether the token `key` still signs `user_id` in, read afresh: not revoked, not
    expired, its user active. For a socket signed in with it a moment ago, once it
    listens for the token's revocation."""
    return (
        ApiToken.objects.filter(
            key=key, user_id=user_id, user__is_active=True, revoked_at__isnull=True
        )
        .exclude(expires_at__lte=timezone.now())
        .exists()
    )
