"""Friend requests, friendships and blocks between users. Written only by
parley.accounts.actions.friends, which locks both users' rows."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class FriendRequest(models.Model):
    """A pending request; accepting or declining it deletes the row."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_friend_requests"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="received_friend_requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_user", "to_user"], name="friendrequest_unique"),
            models.CheckConstraint(
                condition=~Q(from_user=F("to_user")), name="friendrequest_not_self"
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"


class Friendship(models.Model):
    """Two users who are friends, stored once with the lower user id first."""

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="friendship_unique"),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="friendship_ordered"
            ),
        ]
        indexes = [models.Index(fields=["user_high"], name="friendship_high_idx")]

    def __str__(self) -> str:
        return f"{self.user_low_id} ↔ {self.user_high_id}"


class Block(models.Model):
    """`blocker` does not want to hear from `blocked`: no requests, and later no messages."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} ⊘ {self.blocked}"
