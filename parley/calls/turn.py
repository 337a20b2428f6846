"""ICE servers for a user's calls: STUN as configured, TURN with short-lived credentials.

With TURN_SECRET set, each user gets TURN credentials of their own in coturn's REST
scheme (coturn's `use-auth-secret`, draft-uberti-behave-turn-rest): the username is
`<expiry>:<user id>` (expiry in Unix seconds) and the credential is
base64(HMAC-SHA1(TURN_SECRET, username)). coturn recomputes the HMAC with the same secret
and refuses the allocation once the expiry has passed, so Parley stores nothing and a
credential that leaks is worth at most TURN_CREDENTIAL_SECONDS (an hour at most). Callers
fetch fresh ones on every (re)connect.

Reads settings when called, never at import.
"""

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings


class HasPk(Protocol):
    """A user, as far as TURN needs one: its primary key names it to coturn."""

    @property
    def pk(self) -> Any: ...


@dataclass(frozen=True)
class TurnCredential:
    """A TURN username and credential and when (Unix seconds) coturn stops taking them."""

    username: str
    credential: str
    expires_at: int


def turn_credential(user_id: int | str, *, secret: str, lifetime: int) -> TurnCredential:
    """Credentials for `user_id` valid `lifetime` seconds from the clock's now."""
    expires_at = int(time.time()) + lifetime
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires_at)


def ice_servers_for(user: HasPk) -> list[dict[str, Any]]:
    """The RTCIceServer dicts (`urls`, and `username`/`credential` for TURN) for `user`
    (normally the session's User): what a client passes as
    `new RTCPeerConnection({iceServers})`. Empty when no STUN or TURN is configured
    (peers then only reach each other on host addresses)."""
    servers: list[dict[str, Any]] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        minted = turn_credential(
            user.pk, secret=settings.TURN_SECRET, lifetime=settings.TURN_CREDENTIAL_SECONDS
        )
        servers.append(
            {
                "urls": list(settings.TURN_URLS),
                "username": minted.username,
                "credential": minted.credential,
            }
        )
    return servers
