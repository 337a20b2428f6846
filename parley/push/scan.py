"""Finding the messages to push: a scan of the message table, as a chain of jobs.

scan_for_push (a job that enqueues its own next run every PUSH_SCAN_SECONDS) reads the
messages stored since its last run, in id order (PushScanCursor), and enqueues
push_message for each that may notify someone with a browser subscribed: whom a message
might notify is parley/notifications/scanning.py's, the email scan's too (in a direct or
group conversation its members, in a room those it mentions and those at level
"everything"; never the sender). The send path pays nothing: no query, no job per message.

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
from parley.messaging.models import Message
from parley.notifications.scanning import audience, settled_since
from parley.push import vapid
from parley.push.jobs import push_message
from parley.push.models import PushScanCursor, PushSubscription

SCAN_BATCH = 2000  # messages read per scan at most (the next scan goes on)


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
    someone (scanning.audience, shared with the email: whom each message might notify,
    here those with a browser subscribed); the number of messages read. In the caller's
    transaction, which holds the cursor's row lock. Six queries."""
    settled = settled_since(cursor.last_message_id, now or timezone.now(), SCAN_BATCH)
    if not settled:
        return 0
    found = audience(settled)
    everyone = set().union(*found.by_message.values()) if found.by_message else set()
    subscribed = set(
        PushSubscription.objects.filter(user_id__in=everyone).values_list("user_id", flat=True)
    )
    for m in settled:
        if found.by_message.get(m.pk, set()) & subscribed:
            enqueue_on_commit(push_message, m.pk)
    cursor.last_message_id = settled[-1].pk
    cursor.save(update_fields=["last_message_id"])
    return len(settled)
