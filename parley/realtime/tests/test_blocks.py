"""A block stops everything between the two people, both ways, at once: edits and
reactions in their direct conversation, typing and presence everywhere. Rooms and groups
they share keep working for messages (only the direct conversation is closed)."""

import pytest
from channels.db import database_sync_to_async

from parley.accounts.actions.friends import check_block_user, do_unblock_user
from parley.core.testing.sockets import Socket, open_socket
from parley.messaging.actions.rooms import check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Message
from parley.realtime.tests import liveness_helpers

pytestmark = pytest.mark.django_db(transaction=True)

_liveness = liveness_helpers.liveness  # autouse


def presence(user, status: str) -> dict:
    return {"type": "presence", "user": user.pk, "status": status}


@pytest.fixture
def direct(room, alice, bob):
    """A direct conversation of alice and bob (members of the room "Team"), with one
    message from each."""
    from_alice = check_send_message(alice, to_user_id=bob.pk, client_id="a", body="hi bob")
    check_send_message(bob, to_user_id=alice.pk, client_id="b", body="hi alice")
    return from_alice.message.conversation


@pytest.fixture(params=["alice", "bob"])
def blocker(request, alice, bob):
    """Who blocks whom: each test runs both ways."""
    return (alice, bob) if request.param == "alice" else (bob, alice)


async def block(blocker, blocked) -> None:
    await database_sync_to_async(check_block_user)(blocker, blocked)


async def tabs(*users) -> list[Socket]:
    """A socket for each user, once each has heard the others come online."""
    sockets = []
    for user in users:
        sockets.append((await open_socket(user))[0])
    for i, socket in enumerate(sockets):
        for _ in users[i + 1 :]:
            await socket.receive_until("presence")
    return sockets


async def close_all(*sockets: Socket) -> None:
    for socket in sockets:
        await socket.close()


async def test_no_edits_or_reactions_in_the_direct_conversation_either_way(
    direct, chat, alice, bob, blocker
):
    alice_tab, bob_tab = await tabs(alice, bob)
    await block(*blocker)
    alice_said = await database_sync_to_async(Message.objects.get)(client_id="a")
    bob_said = await database_sync_to_async(Message.objects.get)(client_id="b")

    for socket, own, theirs in ((alice_tab, alice_said, bob_said), (bob_tab, bob_said, alice_said)):
        edit = await socket.request(type="edit", message=own.pk, body="edited")
        react = await socket.request(type="react", message=theirs.pk, emoji="👍", on=True)
        unreact = await socket.request(type="react", message=own.pk, emoji="👍", on=False)
        for refused in (edit, react, unreact):
            assert refused["type"] == "error"
            assert refused["code"] == "forbidden"
            assert refused["message"] == "You can't message this person."

    # The shared room is not blocked: a reaction there still reaches the other.
    sent = await alice_tab.request(type="send", conversation=chat.pk, client_id="r", body="x")
    await alice_tab.receive_sequenced()
    await bob_tab.receive_sequenced()
    done = await bob_tab.request(type="react", message=sent["id"], emoji="👍", on=True)
    assert done["type"] == "done"
    assert (await alice_tab.receive_sequenced())[0]["type"] == "message.reactions"
    edited = await database_sync_to_async(Message.objects.filter(body="edited").exists)()
    assert not edited
    await close_all(alice_tab, bob_tab)


async def test_no_typing_either_way_anywhere(direct, chat, alice, bob, carol, blocker):
    await database_sync_to_async(check_join_room)(carol, chat.room)
    alice_tab, bob_tab, carol_tab = await tabs(alice, bob, carol)
    await block(*blocker)
    await alice_tab.receive_until("presence")  # bob looks offline to alice now
    await bob_tab.receive_until("presence")

    for typer, other in ((alice_tab, bob_tab), (bob_tab, alice_tab)):
        for conversation in (direct.pk, chat.pk):
            await typer.send(type="typing", conversation=conversation, state="start")
            await typer.request(type="ping")
        # carol, in the room, hears the typing in the room: the sync point.
        [*_, heard] = await carol_tab.receive_until("typing")
        assert heard["conversation"] == chat.pk
        assert await other.nothing_more()
    await close_all(alice_tab, bob_tab, carol_tab)


async def test_no_presence_either_way_and_back_after_unblock(room, alice, bob, carol, blocker):
    await database_sync_to_async(check_join_room)(carol, room)
    blocking, blocked = blocker
    blocker_tab, blocked_tab, carol_tab = await tabs(blocking, blocked, carol)

    await block(blocking, blocked)

    # Each sees the other go offline, and nothing more of them.
    assert await blocker_tab.receive_until("presence") == [presence(blocked, "offline")]
    assert await blocked_tab.receive_until("presence") == [presence(blocking, "offline")]
    again, _, _ = await open_socket(blocked)
    assert again.hello["presence"] == {str(carol.pk): "online"}
    await again.send(type="presence", state="idle")
    await again.request(type="ping")
    await blocked_tab.send(type="presence", state="idle")
    await blocked_tab.request(type="ping")
    assert await carol_tab.receive_until("presence") == [presence(blocked, "away")]
    assert await blocker_tab.nothing_more()
    later, _, _ = await open_socket(blocking)
    assert later.hello["presence"] == {str(carol.pk): "online"}

    await database_sync_to_async(do_unblock_user)(blocking, blocked)

    assert await blocker_tab.receive_until("presence") == [presence(blocked, "away")]
    assert await blocked_tab.receive_until("presence") == [presence(blocking, "online")]
    await close_all(blocker_tab, blocked_tab, carol_tab, again, later)


async def test_unblocking_one_way_keeps_the_other_block(room, alice, bob):
    alice_tab, bob_tab = await tabs(alice, bob)
    await block(alice, bob)
    await block(bob, alice)
    await alice_tab.receive_until("presence")

    await database_sync_to_async(do_unblock_user)(alice, bob)
    await bob_tab.send(type="presence", state="idle")
    await bob_tab.request(type="ping")

    assert await alice_tab.nothing_more()
    await close_all(alice_tab, bob_tab)
