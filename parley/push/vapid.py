"""The server's VAPID key pair (RFC 8292): push services check that every push for a
subscription is signed by the key the browser was given when it subscribed.

VAPID_PRIVATE_KEY holds it (base64url of the 32-byte private number, as web-push tools
print it, or a PEM/DER key); development generates one into var/ once (config.env). The
public key is derived from it; VAPID_PUBLIC_KEY, if set, must be the same key. Read from
settings when first needed, never at import time.
"""

import base64
import binascii
import functools
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02

# A JWT lives at most 24 hours (RFC 8292); ours, 12.
TOKEN_SECONDS = 12 * 60 * 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Bytes of unpadded base64url `text`; ValueError if it is not that."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("Not base64url.") from None


def _private_key(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("Not a P-256 private key.")
    return key


@functools.cache
def _keys(private: str, public: str) -> tuple[Vapid02, str]:
    try:
        key = _private_key(private)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ImproperlyConfigured(f"VAPID_PRIVATE_KEY is not a P-256 key: {error}") from None
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    derived = b64url(point)
    if public and public.strip().rstrip("=") != derived:
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY.")
    return Vapid02(key), derived


def enabled() -> bool:
    """Whether Web Push is configured (a VAPID private key is set)."""
    return bool(settings.VAPID_PRIVATE_KEY)


def public_key() -> str:
    """The public key browsers subscribe with (applicationServerKey), base64url."""
    return _keys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)[1]


def subject() -> str:
    """VAPID's contact: VAPID_SUBJECT, else Parley's own address (PUBLIC_URL)."""
    return str(settings.VAPID_SUBJECT or settings.PUBLIC_URL.rstrip("/"))


def authorization(endpoint: str, now: int) -> str:
    """The Authorization header of a push to `endpoint`: "vapid t=<JWT>,k=<public key>",
    the JWT's audience the endpoint's origin, valid for TOKEN_SECONDS from `now`."""
    vapid, _ = _keys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    parts = urlsplit(endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": now + TOKEN_SECONDS}
    claims["sub"] = subject()
    vapid.conf["no-strict"] = True  # an https: subject is as valid as a mailto: (RFC 8292)
    header: str = vapid.sign(claims)["Authorization"]
    return header
