"""The missed-message email: what opens a batch, what the email says, and its sending.

1. The scan (scan_messages, a job that enqueues its own next run every
   NOTIFICATIONS_SCAN_SECONDS) reads the messages stored since its last run, in id order
   (ScanCursor), and for each user a message should email (policy: DND, email switch,
   level, rooms opt-in; never the sender, bots or people without an address) opens an
   EmailBatch for that user and conversation unless one is open, due the user's delay
   after that message, and enqueues send_missed_email for then. The send path pays
   nothing: no query, no job per message.
2. send_missed_email, when due: if the user is connected and active (presence: a socket
   active on any device), or nothing notifying is left unread and undeleted, the batch is
   skipped; else it is claimed (committed), the one email is sent, and it is marked sent.
   A second run finds it claimed and sends nothing; a failed send puts the claim back so
   the queue's retry sends it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from parley.accounts.models import User
from parley.jobs.queue import enqueue_on_commit, job
from parley.messaging.events import files_note
from parley.messaging.models import Conversation, Message, Participant
from parley.messaging.selectors import other_members, title_for
from parley.notifications import presence
from parley.notifications.models import EmailBatch, Level, ScanCursor
from parley.notifications.policy import Switches, allows, levels_for, switches_for
from parley.notifications.scanning import Scanned, audience, settled_since

logger = logging.getLogger(__name__)

SCAN_BATCH = 2000  # messages read per scan at most (the next scan goes on)
MAX_MESSAGES_SHOWN = 20
UNSUBSCRIBE_SALT = "parley.notifications.unsubscribe"


# --- the scan -----------------------------------------------------------------------


@job(max_attempts=5, retry_seconds=5)
def scan_messages(tick: int) -> None:
    """One scan, then the next one enqueued: both only if `tick` is the cursor's (another
    chain of scans, started twice by two workers, stops at its first run)."""
    with transaction.atomic():
        cursor = ScanCursor.objects.select_for_update().filter(pk=1).first()
        if cursor is None or cursor.tick != tick:
            return
        cursor.tick += 1
        cursor.save(update_fields=["tick"])
        scan()
        due = timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_SCAN_SECONDS)
        enqueue_on_commit(scan_messages.using(run_after=due), cursor.tick)


def ensure_scanning(**kwargs: Any) -> None:
    """Start the chain of scans unless a scan job is waiting or running (a worker calls
    this when it starts: the chain then survives a job that failed for good)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=scan_messages.module_path, status__in=["READY", "RUNNING"]
    )
    with transaction.atomic():
        cursor, _ = ScanCursor.objects.get_or_create(pk=1)
        if not waiting.exists():
            enqueue_on_commit(scan_messages, cursor.tick)


@dataclass
class _Opening:
    first_seq: int
    first_at: datetime


def scan(now: datetime | None = None) -> int:
    """Open the batches that the messages stored since the last scan call for, and
    schedule their jobs; the number of messages read. In the caller's transaction (the
    scan job's), which holds the cursor's row lock: scans never overlap."""
    now = now or timezone.now()
    cursor, _ = ScanCursor.objects.select_for_update().get_or_create(pk=1)
    settled = settled_since(cursor.last_message_id, now, SCAN_BATCH)
    if not settled:
        return 0
    _open_batches(_openings(settled))
    cursor.last_message_id = settled[-1].pk
    cursor.save(update_fields=["last_message_id"])
    return len(settled)


def _openings(messages: list[Scanned]) -> dict[tuple[int, int], _Opening]:
    """(user, conversation) → the first message that emails them there: among whom each
    message might notify (scanning.audience, shared with Web Push), those with an address
    whom the policy emails. A fixed number of queries per conversation at most."""
    found = audience(messages)
    everyone = set().union(*found.by_message.values()) if found.by_message else set()
    reachable = set(
        get_user_model()
        .objects.filter(pk__in=everyone, is_active=True, is_bot=False)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    switches = switches_for(reachable)
    by_conversation: dict[int, list[Scanned]] = {}
    for m in messages:
        if m.pk in found.by_message:
            by_conversation.setdefault(m.conversation_id, []).append(m)
    openings: dict[tuple[int, int], _Opening] = {}
    for conversation_id, conv_messages in by_conversation.items():
        conv = found.conversations[conversation_id]
        people = set().union(*(found.by_message[m.pk] for m in conv_messages)) & reachable
        levels = levels_for(people, conv)
        for m in conv_messages:
            for user_id in found.by_message[m.pk] & people:
                if allows(
                    switches[user_id],
                    levels[user_id],
                    mentioned=user_id in m.mentioned,
                    room=conv.room_id is not None,
                    channel="email",
                ):
                    key = (user_id, conversation_id)
                    if key not in openings:
                        openings[key] = _Opening(m.seq, m.created_at)
    return openings


def _open_batches(openings: dict[tuple[int, int], _Opening]) -> None:
    """An open batch for each (user, conversation), and its job for when it is due."""
    if not openings:
        return
    switches = switches_for({user_id for user_id, _ in openings})
    open_now = {
        (b.user_id, b.conversation_id): b
        for b in EmailBatch.objects.filter(open=True, user_id__in={u for u, _ in openings}).only(
            "user_id", "conversation_id", "first_seq"
        )
    }
    for (user_id, conversation_id), opening in openings.items():
        existing = open_now.get((user_id, conversation_id))
        if existing is not None:
            if opening.first_seq < existing.first_seq:
                EmailBatch.objects.filter(pk=existing.pk).update(first_seq=opening.first_seq)
            continue
        due = opening.first_at + timedelta(seconds=switches[user_id].email_delay_seconds)
        try:
            with transaction.atomic():
                batch = EmailBatch.objects.create(
                    user_id=user_id,
                    conversation_id=conversation_id,
                    first_seq=opening.first_seq,
                    due_at=due,
                )
        except IntegrityError:
            continue  # opened meanwhile (or this batch was sent already): nothing to add
        enqueue_on_commit(send_missed_email.using(run_after=due), batch.pk)


# --- the email ----------------------------------------------------------------------


@job(max_attempts=8, retry_seconds=30)
def send_missed_email(batch_id: int) -> None:
    """Send batch `batch_id`'s email, or skip it (see the module's docstring). Idempotent:
    only a pending batch is ever sent, and claiming it is committed before sending."""
    with transaction.atomic():
        batch = (
            # The row alone: PostgreSQL locks no outer join, MariaDB has no FOR UPDATE OF.
            EmailBatch.objects.select_for_update()
            .filter(pk=batch_id, state=EmailBatch.State.PENDING)
            .first()
        )
        if batch is None:
            return
        messages = _unread(batch)
        batch.open = None
        batch.finished_at = timezone.now()
        if not messages:
            batch.state = EmailBatch.State.SKIPPED
        else:
            batch.state = EmailBatch.State.SENDING
            batch.last_seq = messages[-1].seq
            batch.message_count = len(messages)
        batch.save(update_fields=["open", "state", "finished_at", "last_seq", "message_count"])
    if not messages:
        return
    try:
        missed_email(batch.user, batch.conversation, messages).send()
    except Exception:
        # Not sent: put the claim back, so that the queue's retry sends it.
        EmailBatch.objects.filter(pk=batch.pk, state=EmailBatch.State.SENDING).update(
            state=EmailBatch.State.PENDING, open=None
        )
        raise
    EmailBatch.objects.filter(pk=batch.pk).update(
        state=EmailBatch.State.SENT, finished_at=timezone.now()
    )


def _unread(batch: EmailBatch) -> list[Message]:
    """The batch's messages still to tell: from its first seq, unread, not deleted or
    moved, not the user's own, that the policy emails now. None if the user is
    connected and active, or no longer a member."""
    user = batch.user
    switches = switches_for([user.pk])[user.pk]
    if not user.is_active or not user.email or switches.do_not_disturb or not switches.email:
        return []
    participant = Participant.objects.filter(
        user=user, conversation_id=batch.conversation_id
    ).first()
    if participant is None:
        return []
    if presence.active_anywhere(user.pk):
        return []  # reading Parley now: the messages are in front of them
    conversation = batch.conversation
    level = levels_for([user.pk], conversation)[user.pk]
    rows = (
        Message.objects.filter(
            conversation_id=conversation.pk,
            seq__gte=batch.first_seq,
            seq__gt=participant.last_read_seq,
            deleted_at__isnull=True,
            moved_to__isnull=True,
        )
        .exclude(sender_id=user.pk)
        .select_related("sender")
        .order_by("seq")
    )
    return [
        message
        for message in rows
        if _emails(switches, level, conversation, user.pk in (message.mentioned_ids or []))
    ]


def _emails(switches: Switches, level: Level, conversation: Conversation, mentioned: bool) -> bool:
    return allows(
        switches, level, mentioned=mentioned, room=conversation.room_id is not None, channel="email"
    )


def absolute(path: str) -> str:
    base: str = settings.PUBLIC_URL
    return base.rstrip("/") + path


def unsubscribe_token(user_id: int) -> str:
    """A signed token naming the user, for the unsubscribe link (SECRET_KEY; no expiry:
    an old email's link keeps working)."""
    return signing.dumps({"u": user_id, "p": "email"}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_of_token(token: str) -> int | None:
    """The user id a token names, or None if it was not made here (forged, tampered)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != "email" or not isinstance(data.get("u"), int):
        return None
    return int(data["u"])


def missed_email(
    user: User, conversation: Conversation, messages: list[Message]
) -> EmailMultiAlternatives:
    """The email about `messages` (unread, in seq order) of `conversation` for `user`:
    plain text and HTML, escaped by the templates (message bodies as the chat page shows
    them: the renderer's sanitised HTML), each message linked to where it opens, and the
    one-click unsubscribe headers (RFC 8058)."""
    people = other_members(user, [conversation.pk]).get(conversation.pk, [])
    title = title_for(user, conversation, people)
    shown = messages[-MAX_MESSAGES_SHOWN:]
    unsubscribe = absolute(reverse("unsubscribe", args=[unsubscribe_token(user.pk)]))
    context = {
        "user": user,
        "title": title,
        "kind": conversation.kind,
        "messages": [
            {
                "sender": m.sender.name,
                "body": m.body,
                "html": m.html,
                # A message of files alone: which files (the body is empty).
                "note": "" if m.body.strip() else files_note(m),
                "at": m.created_at,
                "mentioned": user.pk in (m.mentioned_ids or []),
                "url": absolute(
                    reverse("chat_conversation", args=[conversation.pk]) + f"?message={m.pk}"
                ),
            }
            for m in shown
        ],
        "more": len(messages) - len(shown),
        "conversation_url": absolute(reverse("chat_conversation", args=[conversation.pk])),
        "settings_url": absolute(reverse("notification_settings")),
        "unsubscribe_url": unsubscribe,
    }
    senders = sorted({m.sender.name for m in messages})
    subject = (
        f"{len(messages)} new message{'s' if len(messages) != 1 else ''} in {title}"
        if conversation.room_id is not None
        else f"{len(messages)} new message{'s' if len(messages) != 1 else ''} from "
        + ", ".join(senders)
    )
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],  # no line breaks in a header
        body=render_to_string("notifications/email/missed.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    email.attach_alternative(
        render_to_string("notifications/email/missed.html", context), "text/html"
    )
    return email
