"""Checking that a delivery comes from GitHub: the X-Hub-Signature-256 header."""

import hashlib
import hmac

_PREFIX = "sha256="


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `header` (X-Hub-Signature-256's value) is "sha256=" and the hex HMAC-SHA256
    of the raw `body` under `secret`, compared in constant time.

    Fails closed: no secret, no header, another algorithm (GitHub's older SHA-1
    X-Hub-Signature is not accepted) or a malformed value all give False.
    """
    if not secret or not header or not header.startswith(_PREFIX):
        return False
    given = header.removeprefix(_PREFIX).strip().lower()
    if not given.isascii():
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)
