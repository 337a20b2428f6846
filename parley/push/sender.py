"""One push: a payload encrypted for one subscription (RFC 8291, aes128gcm, by
pywebpush), signed with the server's VAPID key, POSTed to its push service.

The POST goes through parley.integrations.outgoing.client, the client that resolves the
endpoint's host once and refuses loopback, private, link-local and other non-public
addresses (unless OUTGOING_WEBHOOK_ALLOWED_NETWORKS allows them), connects to the checked
address itself and follows no redirect: an endpoint a user registered cannot make the
server reach inside its own network. pywebpush does the encryption only; its own sending
(requests, resolving the name again at connect time) is not used.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pywebpush import WebPusher

from parley.integrations.outgoing.client import Answer, post
from parley.push import vapid
from parley.push.models import PushSubscription


@dataclass(frozen=True)
class Payload:
    """What the service worker shows (static/js/sw.js): plain text, never HTML."""

    title: str
    body: str
    url: str  # the conversation at the message
    tag: str  # one notification per conversation: a newer one replaces it
    conversation: int
    message: int

    def encoded(self) -> bytes:
        data: dict[str, Any] = {
            "title": self.title, "body": self.body, "url": self.url, "tag": self.tag,
            "conversation": self.conversation, "message": self.message,
        }  # fmt: skip
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def encrypt(subscription: PushSubscription, data: bytes) -> bytes:
    """`data` encrypted for the subscription's browser (aes128gcm: a fresh ECDH key and
    salt each time, in the body's header)."""
    info = {"endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}  # fmt: skip
    body: bytes = WebPusher(info).encode(data, content_encoding="aes128gcm")["body"]
    return body


def send(subscription: PushSubscription, payload: Payload, *, now: int | None = None) -> Answer:
    """POST the payload to the subscription's push service; its answer (201 Created when
    taken). Raises Refused before sending to an address not allowed, OSError or urllib3's
    errors when the service cannot be reached in PUSH_TIMEOUT_SECONDS."""
    headers = {
        "Authorization": vapid.authorization(subscription.endpoint, now or int(time.time())),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(settings.PUSH_TTL_SECONDS),
        "Urgency": "high",
        # A push still waiting for an offline browser is replaced by the next of the
        # same conversation (RFC 8030 Topic: up to 32 base64url characters).
        "Topic": f"parley-c{payload.conversation}"[:32],
        "User-Agent": "Parley-Push/1",
    }
    body = encrypt(subscription, payload.encoded())
    return post(subscription.endpoint, body, headers, timeout=settings.PUSH_TIMEOUT_SECONDS)
