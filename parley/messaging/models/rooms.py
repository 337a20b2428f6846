"""Rooms, their members (with a role) and invitations to private rooms. A room's membership
is mirrored into Participant rows of its chats by parley.messaging.actions.rooms."""

from django.conf import settings
from django.db import models


class Room(models.Model):
    """A named place with members and several chats (topics). Public rooms can be joined."""

    title = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(max_length=1000, blank=True)
    # Also recorded as the member with the owner role; kept if that account is deleted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="owned_rooms",
    )
    is_public = models.BooleanField(default=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class RoomMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        MEMBER = "member"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="roommember_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class RoomInvite(models.Model):
    """An invitation to a private room, waiting for the invitee to accept or decline."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invites")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_invites"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "invitee"], name="roominvite_unique")
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} invited to {self.room_id}"
