"""Sending a broadcast through its action: who gets a copy, who is refused and why,
retries, bad input, and the number of queries."""

import pytest
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parley.accounts.tests.factories import UserFactory
from parley.broadcasts.actions import check_send_broadcast, do_send_broadcast
from parley.broadcasts.models import Broadcast, BroadcastCopy
from parley.broadcasts.recipients import BroadcastRequest, RoomTarget, plan
from parley.broadcasts.selectors import broadcast_detail
from parley.broadcasts.tests.conftest import befriend, block
from parley.core.errors import ParleyError
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.rooms import (
    check_archive_room,
    check_create_chat,
    check_create_room,
    check_join_room,
)
from parley.messaging.models import Conversation, Message, Participant

pytestmark = pytest.mark.django_db


def send(sender, client_id="b1", body="Hello all", **targets):
    return check_send_broadcast(BroadcastRequest(sender, client_id, body, **targets))


def copies(broadcast):
    return {
        (m.conversation_id, m.seq, m.body)
        for m in Message.objects.filter(pk__in=broadcast.copies.values("message"))
    }


def test_people_get_a_copy_in_their_direct_conversation_and_rooms_in_their_chat(
    alice, bob, carol, room, chat
):
    befriend(alice, carol)
    result = send(alice, people=[bob.pk, carol.pk], rooms=[RoomTarget(room.pk)])
    assert result.created
    direct = {c.direct_key: c for c in Conversation.objects.filter(kind=Conversation.Kind.DIRECT)}
    assert set(direct) == {f"{alice.pk}:{bob.pk}", f"{alice.pk}:{carol.pk}"}
    got = copies(result.broadcast)
    assert {c for c, _, _ in got} == {*(c.pk for c in direct.values()), chat.pk}
    assert {b for _, _, b in got} == {"Hello all"}
    chat.refresh_from_db()
    assert chat.last_seq == max(s for c, s, _ in got if c == chat.pk)
    detail = broadcast_detail(alice, result.broadcast.pk)
    assert detail["refused"] == []
    assert detail["recipient_count"] == 2  # bob (direct and room) and carol, once each
    # The sender has read their own copies.
    for p in Participant.objects.filter(user=alice, conversation_id__in=[c for c, _, _ in got]):
        assert p.last_read_seq == p.conversation.last_seq


def test_a_chosen_chat_of_the_room_gets_the_copy(alice, room, chat):
    other = check_create_chat(alice, room, title="News")
    result = send(alice, rooms=[RoomTarget(room.pk, other.pk)])
    assert {c for c, _, _ in copies(result.broadcast)} == {other.pk}


def test_shortcuts_reach_every_friend_and_every_member(alice, bob, carol, room):
    dave = UserFactory.create(username="dave")
    befriend(alice, carol)
    check_join_room(dave, room)
    result = send(alice, friends=True, members_of=[room.pk])
    people = set(
        BroadcastCopy.objects.filter(broadcast=result.broadcast).values_list(
            "person__username", flat=True
        )
    )
    assert people == {"bob", "carol", "dave"}


def test_those_the_sender_may_not_reach_are_refused_with_why(alice, bob, carol, room):
    stranger = UserFactory.create(username="stranger")  # no friendship, no shared room
    blocked = UserFactory.create(username="blocked")
    befriend(alice, blocked)
    block(blocked, alice)
    closed = UserFactory.create(username="closed", is_active=False)
    private = check_create_room(carol, title="Secret", is_public=False)
    other = check_create_room(carol, title="Elsewhere")
    archived = check_create_room(alice, title="Old")
    check_archive_room(alice, archived)
    result = send(
        alice,
        people=[bob.pk, stranger.pk, blocked.pk, closed.pk, 999_999, alice.pk],
        rooms=[RoomTarget(private.pk), RoomTarget(other.pk), RoomTarget(archived.pk)],
    )
    refused = {(r["kind"], r["id"]): r["code"] for r in result.broadcast.refused}
    assert refused == {
        ("person", stranger.pk): "forbidden",
        ("person", blocked.pk): "forbidden",
        ("person", closed.pk): "not_found",
        ("person", 999_999): "not_found",
        ("person", alice.pk): "invalid",
        ("room", private.pk): "not_found",  # as a room that does not exist
        ("room", other.pk): "not_found",
        ("room", archived.pk): "forbidden",
    }
    assert BroadcastCopy.objects.filter(broadcast=result.broadcast).count() == 1


def test_a_broadcast_nobody_can_receive_stores_nothing(alice):
    stranger = UserFactory.create(username="stranger")
    with pytest.raises(ParleyError) as caught:
        send(alice, people=[stranger.pk])
    assert caught.value.code == "forbidden"
    assert [r["id"] for r in caught.value.details["refused"]] == [stranger.pk]
    assert not Broadcast.objects.exists()
    assert not Conversation.objects.filter(kind=Conversation.Kind.DIRECT).exists()


@pytest.mark.parametrize("others", [0, 1])
def test_a_person_refused_after_the_plan_leaves_no_empty_conversation(alice, bob, carol, others):
    """Blocked (or closed) between the plan and the storing: SEND_RULES refuse the copy,
    and the direct conversation made for it is gone, whether or not others got theirs."""
    befriend(alice, carol)
    people = [bob.pk, carol.pk] if others else [bob.pk]
    request = BroadcastRequest(alice, "late", "Hello", people=people)
    befriend(alice, bob)
    planned = plan(request)
    assert set(planned.new_direct) == set(people)
    block(bob, alice)
    if others:
        result = do_send_broadcast(request, planned)
        assert [(r["id"], r["code"]) for r in result.broadcast.refused] == [(bob.pk, "forbidden")]
    else:
        with pytest.raises(ParleyError) as caught:
            do_send_broadcast(request, planned)
        assert caught.value.code == "forbidden"
        assert not Broadcast.objects.exists()
    direct = Conversation.objects.filter(kind=Conversation.Kind.DIRECT)
    expected = {f"{min(alice.pk, carol.pk)}:{max(alice.pk, carol.pk)}"} if others else set()
    assert {c.direct_key for c in direct} == expected
    assert not Participant.objects.filter(user=bob).exists()


def test_a_retry_with_the_same_client_id_sends_nothing_new(alice, bob, room):
    first = send(alice, people=[bob.pk], rooms=[RoomTarget(room.pk)])
    count = Message.objects.count()
    again = send(alice, people=[bob.pk], rooms=[RoomTarget(room.pk)])
    assert not again.created
    assert again.broadcast.pk == first.broadcast.pk
    assert Message.objects.count() == count


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ({"people": [2, 2]}, "people"),
        ({"rooms": [RoomTarget(1), RoomTarget(1)]}, "rooms"),
        ({"members_of": [3, 3]}, "members_of"),
        ({}, "people"),
    ],
)
def test_bad_recipient_lists_are_refused_and_nothing_is_stored(alice, targets, field):
    with pytest.raises(ParleyError) as caught:
        send(alice, **targets)
    assert (caught.value.code, caught.value.details.get("field")) == ("invalid", field)
    assert not Broadcast.objects.exists()


@pytest.mark.parametrize(
    ("client_id", "body", "code", "field"),
    [
        ("b1", "a\x00b", "invalid_text", "body"),
        ("b1", "a\ud800b", "invalid_text", "body"),
        ("b\x001", "hi", "invalid_text", "client_id"),
        ("b\udfff", "hi", "invalid_text", "client_id"),
        ("b 1", "hi", "invalid", "client_id"),
        ("b1", "   ", "invalid", "body"),
        ("b1", "x" * 10_001, "invalid", "body"),
    ],
)
def test_bad_text_is_refused_and_nothing_is_stored(alice, bob, client_id, body, code, field):
    befriend(alice, bob)
    with pytest.raises(ParleyError) as caught:
        send(alice, client_id, body, people=[bob.pk])
    assert (caught.value.code, caught.value.details.get("field")) == (code, field)
    assert not Message.objects.exists()


def test_too_many_recipients_is_refused(alice, settings):
    settings.BROADCAST_MAX_PEOPLE = 3
    settings.BROADCAST_MAX_ROOMS = 1
    with pytest.raises(ParleyError) as caught:
        send(alice, people=[1, 2, 3, 4])
    assert caught.value.details["field"] == "people"
    with pytest.raises(ParleyError) as caught:
        send(alice, rooms=[RoomTarget(1), RoomTarget(2)])
    assert caught.value.details["field"] == "rooms"


def test_friends_beyond_the_maximum_are_refused(alice, settings):
    settings.BROADCAST_MAX_PEOPLE = 2
    for name in ("f1", "f2", "f3"):
        befriend(alice, UserFactory.create(username=name))
    with pytest.raises(ParleyError) as caught:
        send(alice, friends=True)
    assert caught.value.details["field"] == "people"
    assert not Broadcast.objects.exists()


def test_a_chat_of_another_room_is_refused(alice, room):
    other = check_create_room(alice, title="Other")
    foreign = other.chats.get(is_default=True)
    with pytest.raises(ParleyError) as caught:
        send(alice, rooms=[RoomTarget(room.pk, foreign.pk)])
    assert caught.value.details["field"] == "rooms"
    assert not Broadcast.objects.exists()


def test_the_rate_limit_answers_with_the_wait(alice, bob, settings):
    befriend(alice, bob)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "broadcast": (0.01, 1)}
    send(alice, "one", people=[bob.pk])
    with pytest.raises(ParleyError) as caught:
        send(alice, "two", people=[bob.pk])
    assert caught.value.code == "rate_limited"
    assert caught.value.details["retry_after"] > 0
    assert not send(alice, "one", people=[bob.pk]).created  # a retry is answered still


def test_read_counts_follow_the_read_markers(alice, bob, carol, room, chat):
    befriend(alice, carol)
    check_join_room(carol, room)
    result = send(alice, people=[bob.pk, carol.pk], rooms=[RoomTarget(room.pk)])
    detail = broadcast_detail(alice, result.broadcast.pk)
    assert (detail["recipient_count"], detail["read_count"]) == (2, 0)
    bob_copy = next(c for c in detail["copies"] if c["person"] and c["person"]["id"] == bob.pk)
    check_mark_read(bob, bob_copy["conversation"], bob_copy["seq"])
    detail = broadcast_detail(alice, result.broadcast.pk)
    assert detail["read_count"] == 1
    room_copy = next(c for c in detail["copies"] if c["kind"] == "room")
    assert (room_copy["members"], room_copy["read"]) == (2, 0)
    check_mark_read(carol, room_copy["conversation"], room_copy["seq"])
    detail = broadcast_detail(alice, result.broadcast.pk)
    assert detail["read_count"] == 2
    room_copy = next(c for c in detail["copies"] if c["kind"] == "room")
    assert (room_copy["members"], room_copy["read"]) == (2, 1)


def test_someone_elses_broadcast_is_not_found(alice, bob):
    befriend(alice, bob)
    result = send(alice, people=[bob.pk])
    with pytest.raises(ParleyError) as caught:
        broadcast_detail(bob, result.broadcast.pk)
    assert caught.value.code == "not_found"


def _people_and_rooms(sender, people, rooms):
    """`people` friends of sender with a direct conversation each, and `rooms` rooms."""
    friends = [UserFactory.create() for _ in range(people)]
    for friend in friends:
        befriend(sender, friend)
    made = [check_create_room(sender, title=f"Room {i}") for i in range(rooms)]
    return friends, made


def _statements(queries):
    """The statements of a capture: the multi-row INSERTs (which Django splits into
    batches of as many rows as the database takes parameters) apart from the others."""
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT") and "), (" in q["sql"]]
    others = [q["sql"] for q in queries if q["sql"] not in inserts]
    return inserts, others


def _batches(rows, model):
    """How many INSERTs Django makes of `rows` rows of `model` on this database."""
    size = connection.ops.bulk_batch_size([f for f in model._meta.concrete_fields], [None] * rows)
    return -(-rows // max(size, 1))


def test_the_number_of_queries_does_not_grow_with_the_recipients(alice):
    """One statement per step, whatever the number of copies; Django's bulk INSERTs are
    one per batch of rows the database takes at once (one on PostgreSQL)."""
    counts = []
    for n, tag in ((10, "small"), (200, "large")):
        friends, rooms = _people_and_rooms(alice, n, n // 10)
        request = {"people": [f.pk for f in friends], "rooms": [RoomTarget(r.pk) for r in rooms]}
        send(alice, f"{tag}-first", **request)  # makes the direct conversations
        with CaptureQueriesContext(connection) as queries:
            result = send(alice, f"{tag}-again", **request)
        copies = n + n // 10
        assert result.broadcast.copies.count() == copies
        inserts, others = _statements(queries)
        assert len(inserts) <= _batches(copies, Message) + _batches(copies, BroadcastCopy)
        counts.append(len(others))
    assert counts[0] == counts[1]


def test_making_the_direct_conversations_is_a_constant_number_of_statements(
    alice, django_capture_on_commit_callbacks, monkeypatch
):
    """With what runs after the commit: the announcements of the new conversations to
    both people and the copies' events, each handed to the channel layer at once."""
    layer = get_channel_layer()
    handed: list[int] = []
    group_send_many = layer.group_send_many

    async def counted(sends):
        handed.append(len(sends))
        await group_send_many(sends)

    monkeypatch.setattr(layer, "group_send_many", counted)
    counts = []
    for n, tag in ((10, "small"), (200, "large")):
        friends, _ = _people_and_rooms(alice, n, 0)
        handed.clear()
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            send(alice, tag, people=[f.pk for f in friends])
        inserts, others = _statements(queries)
        counts.append((len(others), len(handed)))
        assert len(inserts) <= 3 * (_batches(2 * n, Participant) + 1) + 2 * _batches(n, Message)
        # Every person's and the sender's "joined" for each pair, then every copy.
        assert sum(handed) == 2 * n + n
    assert counts[0] == counts[1]
