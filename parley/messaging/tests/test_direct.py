"""Direct conversations: one per pair, who may start one, blocks, and the send
path's query count."""

import pytest
from django.db import connection
from django.urls import reverse

from parley.accounts.actions.friends import (
    check_accept_friend_request,
    check_block_user,
    check_send_friend_request,
)
from parley.core.errors import ParleyError
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation

pytestmark = pytest.mark.django_db


def befriend(a, b):
    check_send_friend_request(a, b)
    check_accept_friend_request(b, b.received_friend_requests.get().pk)


def dm(sender, recipient, client_id="c1"):
    return check_send_message(sender, to_user_id=recipient.pk, client_id=client_id, body="hi")


def test_friends_get_one_conversation_per_pair(alice, bob):
    befriend(alice, bob)

    first = dm(alice, bob, "a1").message
    reply = dm(bob, alice, "b1").message

    assert first.conversation_id == reply.conversation_id
    assert (first.seq, reply.seq) == (1, 2)
    assert Conversation.objects.filter(kind="direct").count() == 1


def test_members_of_a_shared_room_may_write_directly(alice, bob, bob_client):
    check_join_room(bob, check_create_room(alice, title="Shared"))

    assert dm(bob, alice).created
    page = bob_client.get(reverse("profile", args=["alice"])).content.decode()
    assert 'aria-label="Message Alice Liddell"' in page


@pytest.mark.parametrize("who_blocks", ["sender", "recipient"])
def test_a_block_either_way_stops_direct_messages(alice, bob, who_blocks):
    befriend(alice, bob)
    dm(alice, bob, "before")
    blocker, blocked = (alice, bob) if who_blocks == "sender" else (bob, alice)
    check_block_user(blocker, blocked)

    with pytest.raises(ParleyError) as refused:
        dm(alice, bob, "after")
    assert refused.value.code == "forbidden"
    conversation = Conversation.objects.get(kind="direct")
    with pytest.raises(ParleyError):
        check_send_message(alice, conversation_id=conversation.pk, client_id="x", body="hi")


def test_strangers_cannot_start_a_conversation(alice, carol, client):
    with pytest.raises(ParleyError) as refused:
        dm(carol, alice)

    assert refused.value.code == "forbidden"
    assert not Conversation.objects.exists()
    client.force_login(carol)
    assert "Message Alice" not in client.get(reverse("profile", args=["alice"])).content.decode()


def test_writing_to_an_unknown_user_or_yourself(alice):
    for target in (987654, alice.pk):
        with pytest.raises(ParleyError):
            check_send_message(alice, to_user_id=target, client_id=f"t{target}", body="hi")


def test_the_send_path_takes_a_fixed_number_of_queries(alice, bob, django_assert_num_queries):
    """The hot path, pinned: no query per recipient, none that grows with history."""
    befriend(alice, bob)
    dm(alice, bob, "first")
    room = check_create_room(alice, title="Counted")
    check_join_room(bob, room)
    chat = room.chats.get()
    check_send_message(alice, conversation_id=chat.pk, client_id="warm", body="hi")

    conversation = Conversation.objects.get(kind="direct")
    if connection.vendor == "postgresql":
        # one statement does it all, between savepoint and release
        statements = 3
    else:
        # access (every rule, blocks included); savepoint; bump seq (… RETURNING; MariaDB
        # reads it back); insert; read marker; release
        statements = 7 if connection.vendor == "mysql" else 6
    with django_assert_num_queries(statements):
        check_send_message(alice, conversation_id=chat.pk, client_id="room-2", body="hi")
    with django_assert_num_queries(statements):
        check_send_message(alice, conversation_id=conversation.pk, client_id="dm-2", body="hi")
