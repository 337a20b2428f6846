"""Finding the messages to push: a scan of the message table, as a chain of jobs.

scan_for_push (a job that enqueues its own next run every PUSH_SCAN_SECONDS) reads the
messages stored since its last run, in id order (PushScanCursor), and enqueues
push_message for each that may notify someone with a browser subscribed: a direct or group
message, or one that mentions someone, in a conversation with a subscribed member other
than the sender. The send path pays nothing: no query, no job per message.

A message younger than SETTLE_SECONDS is left to the next scan: ids are taken at INSERT,
so a message sent a moment earlier may commit a moment later, below an id already
scanned. So a push leaves at most PUSH_SCAN_SECONDS + SETTLE_SECONDS after its message.

The chain starts when a browser subscribes and when a worker starts (ensure_scanning),
from the newest message (nothing old is pushed); two chains never run at once (the
cursor's tick); it ends by itself once no browser is subscribed anywhere, and the next
subscription starts it again.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from parley.jobs.queue import enqueue_on_commit, job
from parley.messaging.models import Message, Participant
from parley.push import vapid
from parley.push.jobs import push_message
from parley.push.models import PushScanCursor, PushSubscription
from parley.push.targets import PERSONAL

SCAN_BATCH = 2000  # messages read per scan at most (the next scan goes on)
SETTLE_SECONDS = 5


@job(max_attempts=5, retry_seconds=5)
def scan_for_push(tick: int) -> None:
    """One scan, then the next one enqueued: both only if `tick` is the cursor's (another
    chain, started twice at once, stops at its first run)."""
    with transaction.atomic():
        cursor = PushScanCursor.objects.select_for_update().filter(pk=1).first()
        if cursor is None or cursor.tick != tick:
            return
        cursor.tick += 1
        cursor.save(update_fields=["tick"])
        scan(cursor)
        if not vapid.enabled() or not PushSubscription.objects.exists():
            return  # nobody to push to: ensure_scanning starts it again
        due = timezone.now() + timedelta(seconds=settings.PUSH_SCAN_SECONDS)
        enqueue_on_commit(scan_for_push.using(run_after=due), cursor.tick)


def ensure_scanning(**kwargs: Any) -> None:
    """Start the chain of scans unless one is waiting or running, when Web Push is on and
    a browser is subscribed. A first start begins at the newest message."""
    from django_tasks_db.models import DBTaskResult

    if not vapid.enabled() or not PushSubscription.objects.exists():
        return
    waiting = DBTaskResult.objects.filter(
        task_path=scan_for_push.module_path, status__in=["READY", "RUNNING"]
    )
    with transaction.atomic():
        cursor = PushScanCursor.objects.select_for_update().filter(pk=1).first()
        if cursor is None:
            cursor = PushScanCursor.objects.create(pk=1)
        if waiting.exists():
            return
        # A new chain starts at the newest message: a push is news or nothing.
        newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
        cursor.last_message_id = max(cursor.last_message_id, newest)
        cursor.save(update_fields=["last_message_id"])
        enqueue_on_commit(scan_for_push, cursor.tick)


def scan(cursor: PushScanCursor, now: datetime | None = None) -> int:
    """Enqueue push_message for the messages stored since the cursor that may push to
    someone; the number of messages read. In the caller's transaction, which holds the
    cursor's row lock. Three queries."""
    now = now or timezone.now()
    rows = list(
        Message.objects.filter(pk__gt=cursor.last_message_id)
        .order_by("pk")
        .values_list(
            "pk", "conversation_id", "conversation__kind", "sender_id", "mentioned_ids",
            "created_at",
        )[:SCAN_BATCH]
    )  # fmt: skip
    cutoff = now - timedelta(seconds=SETTLE_SECONDS)
    settled = []
    for row in rows:
        if row[5] > cutoff:
            break
        settled.append(row)
    if not settled:
        return 0
    candidates = [row for row in settled if row[2] in PERSONAL or row[4]]
    subscribed: dict[int, set[int]] = {}
    if candidates:
        members = Participant.objects.filter(
            conversation_id__in={row[1] for row in candidates},
            user_id__in=PushSubscription.objects.values("user_id"),
        ).values_list("conversation_id", "user_id")
        for conversation_id, user_id in members:
            subscribed.setdefault(conversation_id, set()).add(user_id)
    for pk, conversation_id, kind, sender_id, mentioned, _ in candidates:
        reached = subscribed.get(conversation_id, set()) - {sender_id}
        if kind not in PERSONAL:
            reached &= {int(user_id) for user_id in mentioned}
        if reached:
            enqueue_on_commit(push_message, pk)
    cursor.last_message_id = settled[-1][0]
    cursor.save(update_fields=["last_message_id"])
    return len(settled)
