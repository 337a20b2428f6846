"""Reads of Web Push subscriptions."""

from django.db.models import QuerySet

from parley.accounts.models import User
from parley.push.models import PushSubscription


def subscriptions_of(user: User) -> QuerySet[PushSubscription]:
    """The user's browsers, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
