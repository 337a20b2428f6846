"""Joining and leaving conversations, as the actions that add or remove members record
and announce it.

Every action that adds or removes Participant rows calls record_membership_change for
their users in the same transaction, and announces the change (published after the
commit): the event is the fast path, the stamp is how a socket whose event was lost finds
out within one periodic check of the WebSocket transport. An action that removes them
calls end_membership before the rows go, so that what depends on membership (a call
there: parley.core.access) ends in the same transaction.
"""

import random
from collections.abc import Iterable

from django.db import connection

from parley.core.access import end_access
from parley.events.publish import (
    publish_membership,
    publish_memberships,
    publish_to_conversation_members,
)
from parley.messaging.events import conversation_updated_event, membership_event
from parley.messaging.models import Conversation, MembershipStamp, RoomMember


def record_membership_change(user_ids: Iterable[int]) -> None:
    """Inside the transaction that adds or removes these users' Participant rows: give
    each user a new membership stamp (one upsert, rows locked in user order so that two
    changes of overlapping users cannot deadlock)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    # MariaDB's upsert takes no conflict target (it is the primary key here anyway).
    target = ["user"] if connection.features.supports_update_conflicts_with_target else None
    MembershipStamp.objects.bulk_create(
        [MembershipStamp(user_id=user_id, stamp=random.getrandbits(63)) for user_id in ids],
        update_conflicts=True,
        unique_fields=target,
        update_fields=["stamp"],
    )


def announce_joined(conversation: Conversation, user_ids: Iterable[int]) -> None:
    """After commit: these users' sockets follow `conversation` from its current seq.

    A chat looks the same to every member who just joined it (no people list, nothing
    read yet) but for their role in the room, so its summary is built once however many
    join; direct and group summaries name the other people, so each gets their own.
    """
    from parley.accounts.models import User
    from parley.messaging.selectors import conversation_summary

    ids = list(user_ids)
    if not ids:
        return
    if conversation.kind == Conversation.Kind.CHAT:
        shared = conversation_summary(User.objects.get(pk=ids[0]), conversation.pk)
        assert conversation.room_id is not None  # a chat always belongs to a room
        roles = dict(
            RoomMember.objects.filter(room_id=conversation.room_id, user_id__in=ids).values_list(
                "user_id", "role"
            )
        )
        for user_id in ids:
            summary = {**shared, "room": {**shared["room"], "role": roles.get(user_id)}}
            publish_membership(
                user_id, membership_event(conversation.pk, "joined", shared["last_seq"], summary)
            )
        return
    announce_joined_each([(conversation.pk, user_id) for user_id in ids])


def announce_joined_each(pairs: Iterable[tuple[int, int]]) -> None:
    """After commit: for each (conversation, user) of `pairs` (direct or group
    conversations), the user's sockets follow the conversation from its current seq. A
    constant number of queries (member_summaries) and one handing-over of the events,
    however many pairs: a broadcast announces its new direct conversations so."""
    from parley.messaging.selectors import member_summaries

    summaries = member_summaries(list(dict.fromkeys(pairs)))
    publish_memberships(
        (user_id, membership_event(conversation_id, "joined", summary["last_seq"], summary))
        for (conversation_id, user_id), summary in summaries.items()
    )


def announce_left(conversation_id: int, user_id: int) -> None:
    """After commit: `user_id`'s sockets stop receiving the conversation at once."""
    publish_membership(user_id, membership_event(conversation_id, "left", 0))


def end_membership(conversation_ids: Iterable[int], user_ids: Iterable[int]) -> None:
    """Inside the transaction that takes these users out of these conversations, before
    their rows go: what depends on membership ends with it (parley.core.access: their
    place in a call there), and after commit their sockets stop receiving them."""
    conversations, users = list(conversation_ids), list(user_ids)
    end_access(users, "removed", conversations=conversations)
    for conversation_id in conversations:
        for user_id in users:
            announce_left(conversation_id, user_id)


def announce_updated(conversations: Iterable[Conversation]) -> None:
    """After commit: every member's sockets learn the new names and state of these chats."""
    for conversation in conversations:
        publish_to_conversation_members(conversation.pk, conversation_updated_event(conversation))
