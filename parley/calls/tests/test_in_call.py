"""In a call: room calls (no ringing, join freely), leaving and the end with its history
entry, the grace period and rejoining after a reconnect, the mesh cap, and the REST read."""

import time

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone

from parley.calls.tests.signalling_helpers import (  # noqa: F401 (autouse)
    _no_background_sweep,
    direct,
    gather,
    jobs_due,
    join,
    start,
)
from parley.core.testing.sockets import open_socket
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.realtime import calls as realtime_calls

pytestmark = pytest.mark.django_db(transaction=True)


def make_room(owner, *members):
    room = check_create_room(owner, title="Team")
    for member in members:
        check_join_room(member, room)
    return room.chats.get(is_default=True)


async def test_a_room_call_rings_nobody_and_ends_when_the_last_one_leaves(alice, bob, carol):
    chat = await database_sync_to_async(make_room)(alice, bob, carol)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
        session = await start(a, chat.pk, kind="voice")
        call = session["call"]
        assert (call["status"], call["ringing"]) == ("ongoing", [])
        shown = await gather(c, "call.updated", "call.started")  # "call in progress — join"
        assert [p["user"]["id"] for p in shown["call.updated"]["call"]["participants"]] == [
            alice.pk
        ]

        await join(b, call["id"])
        clock.shift(12 * 60)
        assert (await a.request(type="call.leave", call=call["id"]))["type"] == "call.done"
        left = await gather(c, "call.left")
        assert left["call.left"]["user"] == alice.pk
        assert (await b.request(type="call.leave", call=call["id"]))["type"] == "call.done"

        ended = await gather(c, "call.ended", "call.updated")
        while ended["call.updated"]["call"]["status"] != "ended":
            ended["call.updated"] = (await gather(c, "call.updated"))["call.updated"]
        entry = ended["call.ended"]["message"]
        assert entry["body"] == "Call, 12 min"
        assert (entry["call"]["duration"], entry["call"]["end_reason"]) == (720, "hangup")
        assert ended["call.updated"]["call"]["participants"] == []

        # History and resume carry the entry: started, joined, left, ended.
        page = await c.request(type="history", conversation=chat.pk)
        assert [m["body"] for m in page["messages"]] == ["Call, 12 min"]
        fresh = (await open_socket(carol, resume={str(chat.pk): 0}))[0]
        assert fresh.replayed["type"] == "resumed"
        for socket in (a, b, c, fresh):
            await socket.close()


async def test_replay_after_a_reconnect_carries_every_call_event(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    a, b = (await open_socket(alice))[0], (await open_socket(bob))[0]
    call = (await start(a, conversation.pk))["call"]
    await join(b, call["id"])
    await a.request(type="call.leave", call=call["id"])
    await gather(b, "call.ended")
    replay = (await open_socket(bob, hold=True))[0]
    await replay.send(type="resume", ref="r", conversations={str(conversation.pk): 0})
    frames = await replay.receive_until("resumed")
    kinds = [f["type"] for f in frames if f["type"].startswith("call.")]
    assert kinds == ["call.started", "call.joined", "call.ended"]
    assert all(f["message"]["call"]["status"] == "ended" for f in frames if "message" in f)
    for socket in (a, b, replay):
        await socket.close()


async def test_a_socket_back_within_the_grace_period_stays_in_the_call(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        a, b = (await open_socket(alice))[0], (await open_socket(bob))[0]
        call = (await start(a, conversation.pk))["call"]
        await join(b, call["id"])
        await b.close()  # bob's connection drops

        clock.shift(10)
        back = (await open_socket(bob))[0]
        again = await join(back, call["id"])
        assert again["rejoined"] is True
        assert [p["user"]["id"] for p in again["call"]["participants"]] == [alice.pk, bob.pk]
        clock.shift(10)  # past the first socket's grace period
        await jobs_due()
        # Still in: bob's new socket can signal alice (an ICE restart).
        await back.send(type="call.offer", call=call["id"], to=alice.pk, sdp="v=0 x", restart=True)
        offer = (await gather(a, "call.offer"))["call.offer"]
        assert (offer["from"], offer["restart"]) == (bob.pk, True)
        for socket in (a, back):
            await socket.close()


async def test_a_participant_gone_past_the_grace_period_leaves_the_call(
    alice, bob, carol, monkeypatch
):
    chat = await database_sync_to_async(make_room)(alice, bob, carol)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
        call = (await start(a, chat.pk))["call"]
        await join(b, call["id"])
        await join(c, call["id"])
        await b.close()

        clock.shift(14)
        await jobs_due()
        assert (await a.request(type="ping"))["type"] == "pong"
        clock.shift(2)
        await jobs_due()
        left = (await gather(a, "call.left"))["call.left"]
        assert left["user"] == bob.pk

        # A process that died closes nothing: the sweep lets silent participants go.
        clock.shift(20)
        await c.request(type="ping")  # carol pings; alice does not
        monkeypatch.setattr(realtime_calls, "_last_sweep", 0.0)
        await realtime_calls.sweep(time.time())  # as every serving process does
        update = (await gather(c, "call.left"))["call.left"]
        assert update["user"] == alice.pk
        await c.request(type="call.leave", call=call["id"])
        ended = (await gather(c, "call.ended"))["call.ended"]
        assert ended["message"]["call"]["end_reason"] == "hangup"
        for socket in (a, c):
            await socket.close()


async def test_a_mesh_call_over_its_cap_is_refused(alice, bob, carol, settings):
    settings.CALL_MESH_MAX_VIDEO = 2
    chat = await database_sync_to_async(make_room)(alice, bob, carol)
    a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    call = (await start(a, chat.pk))["call"]
    await join(b, call["id"])

    refused = await c.request(type="call.join", call=call["id"])

    assert (refused["type"], refused["code"], refused["limit"]) == ("error", "conflict", 2)
    assert refused["message"] == "This call is full: at most 2 people in a video call."
    for socket in (a, b, c):
        await socket.close()


async def test_a_mesh_call_that_outgrows_its_cap_with_an_sfu_configured_says_so(
    alice, bob, carol, settings
):
    """A call keeps its mode: a mesh call (the room was small when it started) is full at
    the cap even with an SFU configured, and the refusal says the next call can be bigger."""
    settings.CALL_MESH_MAX_VIDEO = 2
    settings.JANUS_URL, settings.JANUS_API_SECRET = "ws://127.0.0.1:9/", "s" * 32
    chat = await database_sync_to_async(make_room)(alice, bob)
    a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    call = (await start(a, chat.pk))["call"]
    assert call["mode"] == "mesh"  # two members, within the cap
    await join(b, call["id"])
    await database_sync_to_async(check_join_room)(carol, chat.room)

    refused = await c.request(type="call.join", call=call["id"])

    assert (refused["code"], refused["limit"]) == ("conflict", 2)
    assert refused["message"] == (
        "This call is full: at most 2 people in a video call. It connects everyone directly"
        " and stays so; a call started after it ends goes through the media server and holds"
        " more."
    )
    for socket in (a, b, c):
        await socket.close()


async def test_the_rest_api_lists_the_calls_a_user_can_see(alice, bob, carol):
    conversation = await database_sync_to_async(direct)(alice, bob)
    a = (await open_socket(alice))[0]
    call = (await start(a, conversation.pk))["call"]

    def get(client, path):
        response = client.get(path)
        return response.status_code, response.json()

    bobs = (await open_socket(bob))[0]
    status, listed = await database_sync_to_async(get)(bobs.client, "/api/v1/calls")
    assert status == 200
    assert [c["id"] for c in listed["calls"]] == [call["id"]]
    status, one = await database_sync_to_async(get)(bobs.client, f"/api/v1/calls/{call['id']}")
    assert (status, one["started_by"]["id"], one["status"]) == (200, alice.pk, "ringing")

    carols = (await open_socket(carol))[0]
    status, listed = await database_sync_to_async(get)(carols.client, "/api/v1/calls")
    assert (status, listed) == (200, {"calls": []})
    status, body = await database_sync_to_async(get)(carols.client, f"/api/v1/calls/{call['id']}")
    missing = await database_sync_to_async(get)(carols.client, "/api/v1/calls/999999")
    assert status == missing[0] == 404
    assert body["error"]["code"] == missing[1]["error"]["code"] == "not_found"
    # Nor may carol join it or hear of it.
    refused = await carols.request(type="call.join", call=call["id"])
    assert (refused["code"], refused["call"]) == ("not_found", call["id"])
    for socket in (a, bobs, carols):
        await socket.close()


async def test_ice_servers_come_with_the_session_and_on_request(alice, bob, settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "s3cret"
    conversation = await database_sync_to_async(direct)(alice, bob)
    a = (await open_socket(alice))[0]

    session = await start(a, conversation.pk)
    asked = await a.request(type="call.ice_servers")

    for servers in (session["ice_servers"], asked["ice_servers"]):
        stun, turn = servers
        assert stun == {"urls": ["stun:stun.example.org:3478"]}
        assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
        assert turn["username"].endswith(f":{alice.pk}") and turn["credential"]
    await a.close()


@pytest.mark.parametrize("change", ["edit", "delete", "react"])
def test_a_call_entry_cannot_be_changed(alice, bob, change):
    from parley.calls.actions.start import check_start_call
    from parley.core.errors import ParleyError
    from parley.messaging.actions.delete import check_delete_message
    from parley.messaging.actions.edit import check_edit_message
    from parley.messaging.actions.react import check_react
    from parley.messaging.models import Message

    conversation = direct(alice, bob)
    call = check_start_call(alice, "socket.test", conversation.pk, "video").call
    entry = Message.objects.get(call__id=call["id"])
    attempts = {
        "edit": lambda: check_edit_message(alice, entry.pk, "not a call"),
        "delete": lambda: check_delete_message(alice, entry.pk),
        "react": lambda: check_react(alice, entry.pk, "👍", True),
    }
    with pytest.raises(ParleyError) as refused:
        attempts[change]()
    assert refused.value.code == "forbidden"
    entry.refresh_from_db()
    assert (entry.body, entry.updated_seq, entry.reactions) == ("Video call", entry.seq, [])
