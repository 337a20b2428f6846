"""An SFU call through Parley's socket and a real Janus (a private instance from the
repository's config): two participants publish, a third subscribes to both through
call.sfu.* frames and decodes each one's video; the browser never sees Janus."""

from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async

from parley.calls.janus import JanusClient
from parley.calls.models import Call
from parley.calls.tests.signalling_helpers import (  # noqa: F401 (autouse)
    _no_background_sweep,
    gather,
    join,
    start,
)
from parley.core.testing.jobs import run_due_jobs
from parley.core.testing.media import JanusServer, janus_server
from parley.core.testing.peers import (
    BLUE,
    RED,
    Receiver,
    accept,
    close_all,
    colour_of,
    first_frame,
    is_near,
    offer,
    publisher,
)
from parley.core.testing.sockets import open_socket
from parley.messaging.actions.rooms import check_create_room, check_join_room, do_remove_member
from parley.messaging.models import Room

pytestmark = [pytest.mark.media, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def janus() -> Iterator[JanusServer]:
    with janus_server() as server:
        yield server


@pytest.fixture
def sfu(settings, janus):
    """Parley configured with the private Janus; a mesh of at most 2 with video."""
    settings.JANUS_URL, settings.JANUS_API_SECRET = janus.url, janus.api_secret
    settings.CALL_MESH_MAX_VIDEO = 2
    return janus


def _room(owner, *members) -> int:
    room = check_create_room(owner, title="Big room")
    for member in members:
        check_join_room(member, room)
    return int(room.chats.get(is_default=True).pk)


async def _feeds_of(socket, *users) -> dict:
    while True:
        feeds = (await gather(socket, "call.sfu.feeds"))["call.sfu.feeds"]
        if set(users) <= set(feeds["feeds"]):
            return feeds


async def test_two_publishers_reach_a_subscriber_through_parley_and_janus(sfu, alice, bob, carol):
    chat = await database_sync_to_async(_room)(alice, bob, carol)
    a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    senders = {alice.pk: publisher(RED), bob.pk: publisher(BLUE)}
    receiver = Receiver()
    try:
        call = (await start(a, chat))["call"]
        assert call["mode"] == "sfu"  # three members, more than the mesh cap of 2
        await join(b, call["id"])
        await join(c, call["id"])
        for socket, user in ((a, alice), (b, bob)):
            pc = senders[user.pk]
            reply = await socket.request(
                type="call.sfu.publish", call=call["id"], sdp=await offer(pc)
            )
            assert reply["type"] == "call.sfu.answer", reply
            await accept(pc, reply["sdp"])
            await socket.send(
                type="call.sfu.candidate", call=call["id"], target="publisher", candidate=None
            )

        await _feeds_of(c, alice.pk, bob.pk)
        subscribed = await c.request(
            type="call.sfu.subscribe", call=call["id"], feeds=[alice.pk, bob.pk]
        )
        assert subscribed["type"] == "call.sfu.offer", subscribed
        assert "janus" not in subscribed["sdp"].lower() or "secret" not in subscribed["sdp"]
        done = await c.request(
            type="call.sfu.start", call=call["id"], sdp=await receiver.answer(subscribed["sdp"])
        )
        assert done["type"] == "call.done", done

        user_of_mid = {s["mid"]: s["user"] for s in subscribed["streams"] if s["kind"] == "video"}
        videos = [t for t in receiver.tracks if t.kind == "video"]
        assert len(videos) == 2
        colours = {}
        for track in videos:
            colours[user_of_mid[receiver.mid_of(track)]] = colour_of(
                await first_frame(track, skip=2)
            )
        assert is_near(colours[alice.pk], RED), colours
        assert is_near(colours[bob.pk], BLUE), colours

        # Not in the call's SFU session from another socket: refused, nothing reaches Janus.
        other = (await open_socket(carol))[0]
        refused = await other.request(type="call.sfu.subscribe", call=call["id"], feeds=[alice.pk])
        assert (refused["code"], refused["call"]) == ("not_found", call["id"])
        await other.close()

        for socket in (a, b, c):
            await socket.request(type="call.leave", call=call["id"])
        ended = await database_sync_to_async(Call.objects.get)(pk=call["id"])
        assert ended.ended_at is not None
        await database_sync_to_async(run_due_jobs)()  # the room's destruction
    finally:
        await close_all(receiver.pc, *senders.values())
        for socket in (a, b, c):
            await socket.close()


async def test_a_publisher_removed_from_the_room_is_put_out_of_the_sfu(sfu, alice, bob, carol):
    """Removed from the conversation mid-call, bob leaves the call at once and Janus
    drops his feed for the others (Parley kicks him with the room's secret)."""
    chat = await database_sync_to_async(_room)(alice, bob, carol)
    a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    senders = {alice.pk: publisher(RED), bob.pk: publisher(BLUE)}
    try:
        call = (await start(a, chat))["call"]
        await join(b, call["id"])
        await join(c, call["id"])
        for socket, user in ((a, alice), (b, bob)):
            pc = senders[user.pk]
            reply = await socket.request(
                type="call.sfu.publish", call=call["id"], sdp=await offer(pc)
            )
            await accept(pc, reply["sdp"])
        await _feeds_of(c, alice.pk, bob.pk)

        room = await database_sync_to_async(Room.objects.get)(chats=chat)
        await database_sync_to_async(do_remove_member)(room, bob.pk)
        assert (await gather(b, "call.removed"))["call.removed"]["call"] == call["id"]
        await database_sync_to_async(run_due_jobs)()  # the kick

        while True:  # carol's feeds drop bob's
            feeds = (await gather(c, "call.sfu.feeds"))["call.sfu.feeds"]["feeds"]
            if bob.pk not in feeds:
                break
        assert alice.pk in feeds
        async with JanusClient(sfu.url, sfu.api_secret) as janus:
            present = [p["id"] for p in await janus.list_participants(call["id"])]
        assert bob.pk not in present and alice.pk in present
        refused = await b.request(type="call.sfu.subscribe", call=call["id"], feeds=[alice.pk])
        assert refused["code"] == "not_found"
    finally:
        await close_all(*senders.values())
        for socket in (a, b, c):
            await socket.close()
