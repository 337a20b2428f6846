"""Subscribing a browser to Web Push, and removing a subscription (the settings page and
the API call these).

check_subscribe validates what the browser's PushManager gave (endpoint and keys) before
anything is stored: the endpoint an https URL (http too where PUSH_ENDPOINT_SCHEMES says,
i.e. development and tests) of at most MAX_ENDPOINT characters, with a host and no
credentials, no NUL or lone surrogate; p256dh a P-256 public point and auth 16 bytes.
"""

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.validation import check_text
from parley.integrations.outgoing.client import check_url
from parley.push import vapid
from parley.push.models import PushSubscription
from parley.push.scan import ensure_scanning

MAX_ENDPOINT = 1000
MAX_LABEL = 100
# Browsers per user: more is surely a leak (a script subscribing in a loop).
MAX_PER_USER = 20


def _invalid(message: str, field: str) -> ParleyError:
    return ParleyError(ErrorCode.INVALID, message, field=field)


def check_endpoint(endpoint: str) -> str:
    """A push service endpoint Parley may store, or ParleyError(invalid)."""
    check_text(endpoint, "endpoint")
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise _invalid(f"An endpoint URL of 1 to {MAX_ENDPOINT} characters.", "endpoint")
    try:
        scheme, *_ = check_url(endpoint)
    except ValueError:
        raise _invalid("An https:// URL with a host and no user name.", "endpoint") from None
    if scheme not in settings.PUSH_ENDPOINT_SCHEMES or any(c.isspace() for c in endpoint):
        raise _invalid("An https:// URL with a host and no user name.", "endpoint")
    return endpoint


def _check_key(value: str, field: str) -> bytes:
    check_text(value, field)
    if len(value) > 100:
        raise _invalid("Too long.", field)
    try:
        return vapid.b64url_decode(value)
    except ValueError:
        raise _invalid("Base64url, as PushSubscription.toJSON() gives it.", field) from None


def check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's keys, or ParleyError(invalid): p256dh an uncompressed P-256 point
    (65 bytes), auth a 16-byte secret, both base64url (stored without padding)."""
    point = _check_key(p256dh, "p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise _invalid("Not a P-256 public key.", "p256dh") from None
    if len(point) != 65:
        raise _invalid("Not an uncompressed P-256 public key.", "p256dh")
    if len(_check_key(auth, "auth")) != 16:
        raise _invalid("The auth secret is 16 bytes.", "auth")
    return p256dh.rstrip("="), auth.rstrip("=")


def browser_label(user_agent: str) -> str:
    """ "Firefox on Linux", from a User-Agent header: enough to tell browsers apart."""
    agent = user_agent.lower()
    browser = next((name for key, name in _BROWSERS if key in agent), "A browser")
    system = next((name for key, name in _SYSTEMS if key in agent), "")
    return f"{browser} on {system}" if system else browser


_BROWSERS = (("edg/", "Edge"), ("opr/", "Opera"), ("firefox/", "Firefox"),
             ("chrome/", "Chrome"), ("chromium/", "Chromium"), ("safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("android", "Android"), ("iphone", "iOS"), ("ipad", "iOS"),
            ("windows", "Windows"), ("mac os", "macOS"), ("cros", "ChromeOS"),
            ("linux", "Linux"))  # fmt: skip


def check_subscribe(
    user: User, *, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Store this browser's subscription for `user` (the subscription, and whether it is
    new). The same endpoint again updates its keys; one a browser had for another user
    moves to this one (the browser is signed in as them now)."""
    if not vapid.enabled():
        raise ParleyError(ErrorCode.CONFLICT, "Web Push is not configured on this server.")
    endpoint = check_endpoint(endpoint)
    p256dh, auth = check_keys(p256dh, auth)
    label = browser_label(check_text(user_agent, "user_agent"))[:MAX_LABEL]
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    with transaction.atomic():
        found = PushSubscription.objects.select_for_update().filter(endpoint_digest=digest).first()
        mine = PushSubscription.objects.filter(user=user)
        if (found is None or found.user_id != user.pk) and mine.count() >= MAX_PER_USER:
            message = f"At most {MAX_PER_USER} browsers: remove one in Settings → Push first."
            raise ParleyError(ErrorCode.CONFLICT, message)
        if found is None:
            subscription = PushSubscription.objects.create(
                user=user, endpoint=endpoint, endpoint_digest=digest,
                p256dh=p256dh, auth=auth, label=label,
            )  # fmt: skip
            # The scan for messages to push runs while someone has a browser subscribed.
            ensure_scanning()
            return subscription, True
        found.user, found.p256dh, found.auth, found.label = user, p256dh, auth, label
        found.save(update_fields=["user", "p256dh", "auth", "label"])
        return found, False


def check_remove_subscription(user: User, subscription_id: int) -> PushSubscription:
    """Remove one of `user`'s subscriptions (another's, or none: not_found)."""
    found = PushSubscription.objects.filter(pk=subscription_id, user=user).first()
    if found is None:
        raise not_found("That browser")
    found.delete()
    return found


def check_remove_endpoint(user: User, endpoint: str) -> bool:
    """Remove `user`'s subscription of this endpoint (a browser turning push off);
    whether there was one."""
    check_text(endpoint, "endpoint")
    digest = hashlib.sha256(endpoint.encode()).hexdigest()
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint_digest=digest).delete()
    return bool(deleted)
