"""Parley's Janus client against a real Janus (the repository's config, a private
instance): rooms, refusals, and media through the SFU between aiortc peers."""

import asyncio
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest

from parley.calls.janus import (
    Disconnected,
    FeedPublished,
    FeedUnpublished,
    JanusClient,
    JanusClosed,
    JanusError,
    JanusTimeout,
    MediaState,
    Participant,
    SubscriberOffer,
    _Sink,
    shared_client,
)
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

pytestmark = pytest.mark.media  # real media: see pyproject.toml

EVENT_SECONDS = 10.0
E = TypeVar("E")


async def first_events(participant: Participant, *kinds: type) -> dict[type, Any]:
    """The first event of each of `kinds` in the participant's stream, in any order."""
    seen: dict[type, Any] = {}
    async with asyncio.timeout(EVENT_SECONDS):
        async for event in participant.events():
            seen.setdefault(type(event), event)
            if all(kind in seen for kind in kinds):
                return seen
    raise AssertionError(f"the stream ended with only {list(seen)}")


@pytest.fixture(scope="module")
def janus() -> Iterator[JanusServer]:
    with janus_server() as server:
        yield server


async def next_event(participant: Participant, kind: type[E]) -> E:
    """The next event of `kind` in the participant's stream (others skipped)."""
    async with asyncio.timeout(EVENT_SECONDS):
        async for event in participant.events():
            if isinstance(event, kind):
                return event
    raise AssertionError(f"the stream ended before a {kind.__name__}")


async def test_two_publishers_reach_a_subscriber_through_janus(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        await client.create_room(101, publishers=3)
        ann = await client.join(101, display="ann")
        bob = await client.join(101, display="bob")
        carol = await client.join(101, display="carol")
        senders = {ann.feed_id: publisher(RED), bob.feed_id: publisher(BLUE)}
        receiver = Receiver()
        try:
            for participant in (ann, bob):
                pc = senders[participant.feed_id]
                answer = await participant.publish(await offer(pc), trickle=False)
                await accept(pc, answer)

            published = {(await next_event(carol, FeedPublished)).feed_id for _ in range(2)}
            assert published == {ann.feed_id, bob.feed_id}

            subscription = await carol.subscribe([ann.feed_id, bob.feed_id])
            await carol.start(await receiver.answer(subscription))

            feed_of_mid = {s["mid"]: s["feed_id"] for s in carol.streams}
            videos = [t for t in receiver.tracks if t.kind == "video"]
            audios = [t for t in receiver.tracks if t.kind == "audio"]
            assert len(videos) == 2
            assert len(audios) == 2
            # Skip the first frames: the decoder's first may predate the encoder settling.
            video_of = {feed_of_mid[receiver.mid_of(t)]: t for t in videos}
            frames = await asyncio.gather(*(first_frame(t, skip=2) for t in video_of.values()))
            colours = {feed: colour_of(f) for feed, f in zip(video_of, frames, strict=True)}
            assert is_near(colours[ann.feed_id], RED), colours
            assert is_near(colours[bob.feed_id], BLUE), colours
            # Audio decodes too. (Not per feed: aiortc 1.16's RTP router hands both audio
            # m-lines' packets to one receiver, though Janus sends each with its own mid
            # and SSRC; video is routed right.)
            done, pending = await asyncio.wait(
                [asyncio.ensure_future(first_frame(t)) for t in audios],
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()
            assert done.pop().result().sample_rate == 48000

            await bob.leave()
            seen = await first_events(carol, FeedUnpublished, SubscriberOffer)
            assert seen[FeedUnpublished].feed_id == bob.feed_id
            # Janus renegotiates Carol's subscription without Bob's streams.
            renegotiation = seen[SubscriberOffer]
            assert {s["feed_id"] for s in renegotiation.streams if s.get("active")} == {ann.feed_id}
            await carol.start(await receiver.answer(renegotiation.sdp))
            assert is_near(colour_of(await first_frame(video_of[ann.feed_id])), RED)
        finally:
            await close_all(receiver.pc, *senders.values())
            await client.destroy_room(101)


async def test_destroying_the_room_ends_its_participants_streams(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        await client.create_room(102, publishers=2)
        ann = await client.join(102, display="ann")

        await client.destroy_room(102)

        assert isinstance(await next_event(ann, Disconnected), Disconnected)
        assert not await client.room_exists(102)
        await client.destroy_room(102)  # again: nothing to do, no error


async def test_creating_a_room_twice_keeps_one_room(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        first = await client.create_room(103, publishers=2)
        second = await client.create_room(103, publishers=5)

        assert first == second
        assert await client.room_exists(103)
        await client.destroy_room(103)


async def test_a_room_that_does_not_exist_cannot_be_joined(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        with pytest.raises(JanusError) as refused:
            await client.join(104, display="ann")

        assert refused.value.code == 426  # VideoRoom's "no such room"


async def test_janus_refuses_a_client_without_the_api_secret(janus: JanusServer):
    async with JanusClient(janus.url, "not-the-secret", timeout=10) as client:
        with pytest.raises(JanusError) as refused:
            await client.create_room(105, publishers=2)

        assert refused.value.code == 403  # Janus's "unauthorized request"


async def test_a_room_pin_is_needed_to_join(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        room = await client.create_room(106, publishers=2)
        session = await client._session()
        handle = await client._attach(session, "publisher", ann_sink := _Sink())
        with pytest.raises(JanusError) as refused:
            await handle.message(
                {"request": "join", "ptype": "publisher", "room": room.id, "pin": "guess"},
                what="joining without the pin",
            )

        assert refused.value.code == 433  # VideoRoom's "unauthorized"
        assert ann_sink.queue.empty()
        await client.destroy_room(106)


async def test_an_unreachable_janus_is_a_clear_error():
    client = JanusClient("ws://127.0.0.1:9/", "secret", timeout=2)

    with pytest.raises(JanusClosed, match=re.escape("Cannot reach Janus at ws://127.0.0.1:9/")):
        await client.create_room(107, publishers=2)


async def test_a_silent_janus_times_out():
    async def accept_and_say_nothing(reader, writer):
        await reader.read()  # holds the connection open, answers nothing

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = JanusClient(f"ws://127.0.0.1:{port}/", "secret", timeout=0.5)
    try:
        with pytest.raises(JanusTimeout, match=re.escape("did not answer within 0.5 s")):
            await client.create_room(108, publishers=2)
    finally:
        server.close()


async def test_when_janus_goes_away_participants_are_told_and_requests_fail():
    with janus_server() as own:
        client = JanusClient(own.url, own.api_secret, timeout=5)
        await client.create_room(109, publishers=2)
        ann = await client.join(109, display="ann")
    # Janus is stopped: its socket closed.

    assert isinstance(await next_event(ann, Disconnected), Disconnected)
    with pytest.raises(JanusClosed, match="this participant's Janus session is over"):
        await ann.publish("v=0\r\n")
    await ann.leave()  # nothing left to leave: no error
    with pytest.raises(JanusClosed, match="Cannot reach Janus"):
        await client.create_room(110, publishers=2)


async def test_the_shared_client_comes_from_the_settings(janus: JanusServer, settings):
    settings.JANUS_URL, settings.JANUS_API_SECRET = janus.url, janus.api_secret

    client = shared_client()
    try:
        assert shared_client() is client
        room = await client.create_room(111, publishers=2)
        assert room.id == 111
        assert await client.room_exists(111)
        await client.destroy_room(111)
    finally:
        await client.close()


async def test_without_janus_configured_there_is_no_shared_client(settings):
    settings.JANUS_URL = ""

    with pytest.raises(JanusError, match="No SFU is configured"):
        shared_client()


def without_candidates(sdp: str) -> tuple[str, list[dict]]:
    """The SDP without its candidates, and those as a browser trickles them."""
    kept, candidates, mid, index = [], [], None, -1
    for line in sdp.splitlines():
        if line.startswith("m="):
            index += 1
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        if line.startswith("a=candidate:"):
            candidates.append({"candidate": line[2:], "sdpMid": mid, "sdpMLineIndex": index})
        elif line != "a=end-of-candidates":
            kept.append(line)
    return "\r\n".join(kept) + "\r\n", candidates


async def test_a_publisher_that_trickles_its_candidates_gets_its_media_up(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        await client.create_room(112, publishers=2)
        ann = await client.join(112, display="ann")
        bob = await client.join(112, display="bob")
        pc = publisher(RED)
        try:
            sdp, candidates = without_candidates(await offer(pc))
            assert candidates

            answer = await ann.publish(sdp)  # trickle=True: candidates follow
            for candidate in candidates:
                await ann.trickle(candidate, target="publisher")
            await ann.trickle(None, target="publisher")
            await accept(pc, answer)

            assert await next_event(ann, MediaState) == MediaState("publisher", up=True)
            assert (await next_event(bob, FeedPublished)).feed_id == ann.feed_id
        finally:
            await pc.close()
            await client.destroy_room(112)


async def test_trickling_to_a_subscription_that_does_not_exist_is_refused(janus: JanusServer):
    async with JanusClient(janus.url, janus.api_secret, timeout=10) as client:
        await client.create_room(113, publishers=2)
        ann = await client.join(113, display="ann")

        with pytest.raises(JanusError, match="nothing is subscribed"):
            await ann.trickle(None, target="subscriber")
        await client.destroy_room(113)
