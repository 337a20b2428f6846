"""Checking a signed request: Slack's v0 request signature.

X-Slack-Signature is "v0=" and the hex HMAC-SHA256, under the signing secret, of
"v0:<X-Slack-Request-Timestamp>:<raw body>"; the timestamp (Unix seconds) must be within
five minutes of the server's clock either way, so a captured request cannot be replayed
later.
"""

import hashlib
import hmac

_PREFIX = "v0="
MAX_SKEW_SECONDS = 300


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The X-Slack-Signature value for `body` sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return _PREFIX + hmac.new(secret, base, hashlib.sha256).hexdigest()


def verify_signature(
    secret: bytes, body: bytes, *, timestamp: str | None, signature: str | None, now: float
) -> bool:
    """Whether `signature` signs `body` at `timestamp`, and `timestamp` is within five
    minutes of `now`; compared in constant time. Anything missing or malformed fails."""
    if not secret or not timestamp or not signature or not signature.startswith(_PREFIX):
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    given = signature.strip().lower()
    if not given.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), given)
