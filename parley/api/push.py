"""Web Push subscriptions of the caller: the server's public key, list, subscribe this
browser, remove one (docs/notifications.md, "Push and desktop")."""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field
from typing_extensions import TypedDict

from parley.api.shapes import ERRORS, ErrorBody
from parley.api.types import Id, Input
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.push import vapid
from parley.push.actions import (
    MAX_ENDPOINT,
    check_remove_endpoint,
    check_remove_subscription,
    check_subscribe,
)
from parley.push.models import PushSubscription
from parley.push.selectors import subscriptions_of

router = Router(tags=["push"])


class PushKey(TypedDict):
    enabled: bool
    public_key: str | None  # base64url: PushManager.subscribe's applicationServerKey


class Subscription(TypedDict):
    id: int
    label: str
    created_at: str
    last_push_at: str | None


class SubscriptionList(TypedDict):
    subscriptions: list[Subscription]


def subscription_dict(subscription: PushSubscription) -> Subscription:
    return {
        "id": subscription.pk,
        "label": subscription.label,
        "created_at": subscription.created_at.isoformat(),
        "last_push_at": (
            subscription.last_push_at.isoformat() if subscription.last_push_at else None
        ),
    }


@router.get("/key", response={200: PushKey, **ERRORS})
def push_key(request: AuthenticatedRequest) -> PushKey:
    """The server's VAPID public key, to subscribe a browser with; `enabled` false (and
    no key) when Web Push is not configured."""
    if not vapid.enabled():
        return {"enabled": False, "public_key": None}
    return {"enabled": True, "public_key": vapid.public_key()}


@router.get("/subscriptions", response={200: SubscriptionList, **ERRORS})
def list_subscriptions(request: AuthenticatedRequest) -> dict[str, Any]:
    """Your browsers subscribed to Web Push, newest first (at most 20)."""
    return {"subscriptions": [subscription_dict(s) for s in subscriptions_of(request.user)]}


class Keys(Input):
    p256dh: Annotated[str, MaxLen(100)] = Field(description="The browser's P-256 key, base64url.")
    auth: Annotated[str, MaxLen(100)] = Field(description="The 16-byte auth secret, base64url.")


class SubscriptionIn(Input):
    """PushSubscription.toJSON() of the browser (expirationTime is ignored)."""

    endpoint: Annotated[str, MaxLen(MAX_ENDPOINT)] = Field(
        description="The push service's URL for this browser: https, with a host."
    )
    keys: Keys
    expirationTime: int | None = None  # the browser's own name


@router.post(
    "/subscriptions", response={200: Subscription, 201: Subscription, 409: ErrorBody, **ERRORS}
)
def subscribe(request: AuthenticatedRequest, data: SubscriptionIn) -> Status[Subscription]:
    """Subscribe this browser: 201 when new, 200 when it was already (its keys updated).
    409 when Web Push is not configured, or you have 20 browsers already."""
    check_rate("push", request.user.pk)
    if request.user.is_bot:
        raise ParleyError(ErrorCode.FORBIDDEN, "Bots have no browsers to push to.")
    subscription, created = check_subscribe(
        request.user,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=request.headers.get("User-Agent", "")[:500],
    )
    return Status(201 if created else 200, subscription_dict(subscription))


@router.delete("/subscriptions/{subscription_id}", response={204: None, **ERRORS})
def remove_subscription(request: AuthenticatedRequest, subscription_id: Id) -> Status[None]:
    """Remove one of your browsers: it gets no more pushes."""
    check_rate("push", request.user.pk)
    check_remove_subscription(request.user, subscription_id)
    return Status(204, None)


class EndpointIn(Input):
    endpoint: Annotated[str, MaxLen(MAX_ENDPOINT)]


@router.post("/unsubscribe", response={204: None, **ERRORS})
def remove_endpoint(request: AuthenticatedRequest, data: EndpointIn) -> Status[None]:
    """Remove the subscription of this endpoint, if it is yours (a browser turning push
    off, which knows its endpoint but not its id). 204 either way."""
    check_rate("push", request.user.pk)
    check_remove_endpoint(request.user, data.endpoint)
    return Status(204, None)
