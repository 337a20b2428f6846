"""Calls: one per conversation at a time, who is in it, whose devices ring.

The database enforces the two rules that matter under races, on SQLite, PostgreSQL and
MariaDB alike (MariaDB has no partial unique index, so each rule is a plain unique column
that holds a value while the row is live and NULL after; NULLs never collide):
- at most one live call per conversation (`Call.live_conversation`);
- a user is in at most one call at a time (`CallParticipant.live_user`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Call(models.Model):
    class Kind(models.TextChoices):
        VOICE = "voice"
        VIDEO = "video"

    class Mode(models.TextChoices):
        MESH = "mesh"  # every participant connects to every other
        SFU = "sfu"  # through Janus (docs/calls.md)

    class EndReason(models.TextChoices):
        HANGUP = "hangup"  # the last one left (or, in a direct call, either hung up)
        TIMEOUT = "timeout"  # nobody answered in CALL_RING_SECONDS
        CANCELLED = "cancelled"  # the caller hung up before anyone answered
        DECLINED = "declined"  # every callee declined
        BUSY = "busy"  # the callee of a direct call was in another call
        DROPPED = "dropped"  # the last participants' sockets went and did not come back

    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="calls"
    )
    # The conversation's id while the call is live, NULL once it ended: one live call each.
    live_conversation = models.BigIntegerField(null=True, blank=True, unique=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.MESH)
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)  # the first other joined
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    # Its entry in the conversation's history (a message with `call` set).
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["conversation", "started_at"], name="call_history_idx")]

    def __str__(self) -> str:
        return f"call {self.pk} in {self.conversation_id}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class CallParticipant(models.Model):
    """A user's time in a call, on one socket (the one that started or joined it).

    `socket` is that socket's name (rebound when the user joins again from a new socket
    after a reconnect); `seen_at` is the last heartbeat from it. A participant whose
    socket is gone for CALL_GRACE_SECONDS leaves (parley/calls/actions/liveness.py).
    """

    class LeftReason(models.TextChoices):
        HANGUP = "hangup"  # they left (or the call ended while they were in it)
        DROPPED = "dropped"  # their socket went and did not come back in the grace period
        REMOVED = "removed"  # they lost access to the conversation (parley.core.access)

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The user's id while in the call, NULL after leaving: one call at a time per user.
    live_user = models.BigIntegerField(null=True, blank=True, unique=True)
    socket = models.CharField(max_length=64, blank=True)  # "" while the socket is gone
    joined_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(max_length=8, choices=LeftReason.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["call", "left_at"], name="call_participant_idx"),
            models.Index(fields=["seen_at"], name="call_participant_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in call {self.call_id}"


class Ring(models.Model):
    """A callee of a direct or group call, and what became of the ringing."""

    class State(models.TextChoices):
        RINGING = "ringing"
        ACCEPTED = "accepted"
        DECLINED = "declined"
        BUSY = "busy"
        MISSED = "missed"  # the ringing timed out or the call ended first

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.RINGING)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="ring_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} for call {self.call_id}"
