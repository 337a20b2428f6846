"""Sending a broadcast: one message to many people and rooms, as one action.

check_send_broadcast validates the request, finds a retry's original (by the sender's
client_id), takes a "broadcast" rate-limit token and resolves the recipients
(parley/broadcasts/recipients.py); do_send_broadcast stores everything in one
transaction with a constant number of statements, whatever the number of copies:

1. the Broadcast row first: its unique (sender, client_id) makes a concurrent retry wait
   for this transaction and then find the original instead of sending again;
2. before it, in a transaction of their own as for a first message, the direct
   conversations not made yet (one INSERT of conversations, one of their participants,
   one of the membership stamps), announced to both people;
3. every target conversation's row locked in id order (so two broadcasts, or a broadcast
   and a send, cannot deadlock), then SEND_RULES (parley/messaging/access.py, the one
   statement of who may send where) applied to all of them by one SELECT;
4. one UPDATE takes the next seq of every allowed conversation (each gets one copy), one
   INSERT stores the copies as messages, one UPDATE moves the sender's read markers, one
   INSERT records the copies;
5. after the commit each copy is published to its conversation like any message, so it
   is live, and resumable by its seq.

The body is rendered once, without resolving @mentions (a mention needs each
conversation's members; a broadcast notifies nobody by name).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.broadcasts.models import Broadcast, BroadcastCopy
from parley.broadcasts.recipients import (
    BroadcastRequest,
    Plan,
    Target,
    check_request,
    plan,
    refusal,
)
from parley.core.errors import ErrorCode, ParleyError
from parley.core.ratelimit import check_rate
from parley.events.publish import publish_to_conversations
from parley.messaging.access import SEND_RULES, send_rows
from parley.messaging.actions._membership import (
    announce_joined_each,
    announce_left,
    record_membership_change,
)
from parley.messaging.actions._store import store_copies
from parley.messaging.events import message_event
from parley.messaging.models import Conversation, Message, Participant
from parley.messaging.rendering import render
from parley.messaging.selectors import direct_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BroadcastResult:
    broadcast: Broadcast
    created: bool  # False: a retry, answered with the original; nothing was sent


def check_send_broadcast(request: BroadcastRequest) -> BroadcastResult:
    """Send a broadcast, or return the original if `request.client_id` was used already.

    Raises ParleyError for bad input (nothing stored), the rate limit, or when every
    recipient is refused (nothing stored; the refusals are in the error's `refused`).
    """
    check_request(request)
    existing = _existing(request.sender, request.client_id)
    if existing is not None:
        return BroadcastResult(existing, created=False)
    check_rate("broadcast", request.sender.pk)
    return do_send_broadcast(request, plan(request))


def _existing(sender: User, client_id: str) -> Broadcast | None:
    return Broadcast.objects.filter(sender=sender, client_id=client_id).first()


def do_send_broadcast(request: BroadcastRequest, planned: Plan) -> BroadcastResult:
    """Store the copies `planned` and publish them after commit (see the module).
    A concurrent send of the same client_id waits for this one and returns it."""
    sender = request.sender
    html = render(request.body)[0]
    # First and on their own, as a first message's: the new direct conversations are
    # announced empty, so that the sockets follow them from seq 0 and get the copy.
    with transaction.atomic():
        targets, made = _with_direct_conversations(sender, planned)
    refused = list(planned.refused)
    try:
        with transaction.atomic():
            now = timezone.now()
            broadcast = Broadcast.objects.create(
                sender=sender, client_id=request.client_id, body=request.body, html=html,
                created_at=now,
            )  # fmt: skip
            allowed = _allowed(sender, targets, refused)
            _drop_refused(sender, made, allowed)
            if allowed:
                messages = _store_copies(broadcast, allowed, now)
                broadcast.refused = refused
                broadcast.recipient_count = _recipient_count(
                    sender, [t.conversation for t in allowed]
                )
                broadcast.save(update_fields=["refused", "recipient_count"])
                publish_to_conversations(
                    (m.conversation_id, m.seq, message_event(m)) for m in messages
                )
            else:  # nothing is stored but the dropping of its conversations
                broadcast.delete()
    except IntegrityError:
        existing = _existing(sender, request.client_id)
        if existing is None:
            raise
        return BroadcastResult(existing, created=False)
    if not allowed:
        raise ParleyError(
            ErrorCode.FORBIDDEN, "None of these recipients can receive your message.",
            refused=refused,
        )  # fmt: skip
    return BroadcastResult(broadcast, created=True)


def _with_direct_conversations(sender: User, planned: Plan) -> tuple[list[Target], dict[int, int]]:
    """The targets, each with its conversation, and the direct conversations made here
    (person -> conversation): those not made yet are made (three statements for all of
    them) and announced to both people after commit (announce_joined_each: a constant
    number of queries and one handing-over of the events, however many)."""
    if not planned.new_direct:
        return planned.targets, {}
    keys = {direct_key(sender.pk, pk): pk for pk in planned.new_direct}
    Conversation.objects.bulk_create(
        [
            Conversation(kind=Conversation.Kind.DIRECT, direct_key=key, created_by=sender)
            for key in keys
        ],
        ignore_conflicts=True,  # made meanwhile by a message or another broadcast
    )
    made = dict(
        Conversation.objects.filter(direct_key__in=list(keys)).values_list("direct_key", "id")
    )
    Participant.objects.bulk_create(
        [
            Participant(conversation_id=made[key], user_id=user_id)
            for key, pk in keys.items()
            for user_id in (sender.pk, pk)
        ],
        ignore_conflicts=True,
    )
    record_membership_change([sender.pk, *planned.new_direct])
    pairs = [(made[key], user_id) for key, pk in keys.items() for user_id in (sender.pk, pk)]
    transaction.on_commit(lambda: announce_joined_each(pairs))
    person_conversation = {pk: made[key] for key, pk in keys.items()}
    targets = [
        t
        if t.conversation is not None
        else Target(person_conversation[t.person or 0], t.label, person=t.person)
        for t in planned.targets
    ]
    return targets, person_conversation


def _drop_refused(sender: User, made: dict[int, int], allowed: list[Target]) -> None:
    """The direct conversations made for this broadcast whose person SEND_RULES refused
    (blocked or closed since the plan) are deleted if still empty, and both people told:
    a refusal leaves no empty conversation behind. Their rows are locked (_allowed)."""
    kept = {t.person for t in allowed}
    refused = {c: pk for pk, c in made.items() if pk not in kept}
    if not refused:
        return
    empty = list(
        Conversation.objects.filter(pk__in=list(refused), last_seq=0).values_list("pk", flat=True)
    )
    if not empty:
        return
    Participant.objects.filter(conversation_id__in=empty).delete()
    Conversation.objects.filter(pk__in=empty).delete()
    record_membership_change([sender.pk, *(refused[c] for c in empty)])
    for conversation_id in empty:
        for user_id in (sender.pk, refused[conversation_id]):
            announce_left(conversation_id, user_id)


_CONVERSATION = Conversation._meta.db_table
_PARTICIPANT = Participant._meta.db_table


def _in(ids: Iterable[int]) -> tuple[str, dict[str, int]]:
    """An IN list of named parameters (send_rows' sender is one too)."""
    params = {f"c{i}": value for i, value in enumerate(ids)}
    return ", ".join(f"%({name})s" for name in params), params


def _allowed(sender: User, targets: list[Target], refused: list[dict[str, Any]]) -> list[Target]:
    """Lock the targets' conversations in id order and keep those SEND_RULES allow; the
    others join `refused` with the error of the first rule they break."""
    ids = sorted({t.conversation for t in targets if t.conversation is not None})
    if not ids:
        return []
    placeholders, params = _in(ids)
    rules = ", ".join(f"({rule.sql})" for rule in SEND_RULES)
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            cursor.execute(
                f"SELECT id FROM {_CONVERSATION} WHERE id IN ({placeholders}) "  # noqa: S608
                "ORDER BY id FOR UPDATE",
                params,
            )
        cursor.execute(
            f"SELECT c.id, {rules} FROM {_CONVERSATION} c {send_rows('%(sender)s')} "  # noqa: S608
            f"WHERE c.id IN ({placeholders})",
            {**params, "sender": sender.pk},
        )
        broken = {}
        for conversation_id, *holds in cursor.fetchall():
            for rule, held in zip(SEND_RULES, holds, strict=True):
                if not held:
                    broken[conversation_id] = rule.refusal()
                    break
    allowed = []
    for target in targets:
        error = broken.get(target.conversation or 0)
        if error is None:
            allowed.append(target)
            continue
        if target.room is not None:
            refused.append(refusal("room", target.room, target.label, error.code, error.message))
        else:
            person = target.person or 0
            refused.append(refusal("person", person, target.label, error.code, error.message))
    return allowed


def _store_copies(broadcast: Broadcast, targets: list[Target], now: datetime) -> list[Message]:
    """One copy per target conversation (locked already), stored by the messaging app's
    store_copies (the send path's INSERT), and recorded (one INSERT)."""
    client_ids = {t.conversation or 0: f"b:{broadcast.pk}:{t.conversation}" for t in targets}
    messages = store_copies(broadcast.sender, broadcast.body, broadcast.html, client_ids, now)
    BroadcastCopy.objects.bulk_create(
        BroadcastCopy(
            broadcast=broadcast, conversation_id=m.conversation_id, message=m, seq=m.seq,
            person_id=t.person, room_id=t.room,
        )
        for t, m in zip(targets, messages, strict=True)
    )  # fmt: skip
    return messages


def _recipient_count(sender: User, conversation_ids: list[int | None]) -> int:
    """The people these conversations reach now, but the sender, each once."""
    return (
        Participant.objects.filter(conversation_id__in=conversation_ids)
        .exclude(user_id=sender.pk)
        .values("user_id")
        .distinct()
        .count()
    )
