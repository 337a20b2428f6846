"""Conversations, their participants and each user's membership stamp.

Written by the actions (and the admin); a change that takes a seq locks the conversation
row first (parley/messaging/actions/stream.py)."""

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    """Where messages live: a direct pair, an ad-hoc group, or a chat (topic) of a room.

    `last_seq` is the conversation's gapless sequence: each message takes the next number
    inside its sending transaction (an UPDATE that holds the row lock until commit).
    Clients order by it and resume from it.
    """

    class Kind(models.TextChoices):
        DIRECT = "direct"
        GROUP = "group"
        CHAT = "chat"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.CASCADE, null=True, blank=True, related_name="chats"
    )
    title = models.CharField(max_length=80, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    is_default = models.BooleanField(default=False)
    # "<lower user id>:<higher user id>" for direct conversations: one per pair.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    # Messages only (last_seq also counts edits, deletes, reactions and moves).
    message_count = models.PositiveBigIntegerField(default=0)
    last_message_seq = models.PositiveBigIntegerField(default=0)
    first_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["room", "is_default"], name="conversation_room_idx")]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.pk}"


class Participant(models.Model):
    """A user's membership of one conversation, with how far they have read.

    Every conversation a user can read has a row, chats of their rooms included (kept in
    step with room membership), so access checks, unread counts and fan-out are one
    indexed lookup each.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    last_read_seq = models.PositiveBigIntegerField(default=0)
    # How many messages that is: unread = conversation.message_count - read_count.
    read_count = models.PositiveBigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)
    # The member's own marks: a muted conversation's unread messages do not count in the
    # page's title; starred ones are listed first.
    muted = models.BooleanField(default=False)
    starred = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="participant_unique")
        ]
        # A conversation's members: the foreign key's own index (the second index on that
        # column, participant_conversation_idx, only cost writes).

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class MembershipStamp(models.Model):
    """A new random value each time the set of conversations a user is in changes (a
    Participant row of theirs added or removed), written in that change's transaction.

    Each process's fan-out reads the stamps of its connected users at every periodic
    check; a user whose stamp changed gets their conversations re-read, and their sockets
    follow exactly those, should a joined or left event have been lost
    (the WebSocket transport's fanout.py). Random rather than a counter, so that one upsert writes
    it with or without a row, and two writers at once still leave a value no reader saw.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.stamp}"
