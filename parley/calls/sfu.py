"""SFU calls: a participant's media goes through Janus (parley.calls.janus), signalled
over Parley's socket. Browsers never see Janus: the socket in the call hands its SDP and
candidates to an SfuSession, which makes the requests with Parley's credentials and sends
back only SDP and the list of feeds (publishing users) of the call.

A call is in SFU mode when it started with JANUS_URL set in a conversation of more
members than the mesh cap (parley/calls/actions/start.py). Each participant's Janus feed
id is their user id, so feeds name people. The room is created (idempotently) by the
first session of the call in any process, and destroyed by a job when the call ends.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync

from parley.calls.janus import (
    Disconnected,
    FeedPublished,
    FeedUnpublished,
    JanusClient,
    JanusError,
    Participant,
    SubscriberOffer,
    Target,
    shared_client,
)
from parley.core.errors import ErrorCode, ParleyError
from parley.events import catalogue

logger = logging.getLogger(__name__)

# Publishers a room holds at once (Janus's "publishers"): every participant may publish.
ROOM_PUBLISHERS = 100


def unavailable(error: JanusError) -> ParleyError:
    logger.warning("SFU request failed: %s", error)
    return ParleyError(
        ErrorCode.UNAVAILABLE, "The media server is unavailable; try again.", retry_after=5.0
    )


Send = Callable[[catalogue.ServerEvent], Awaitable[None]]


class SfuSession:
    """One socket's place in an SFU call's Janus room; drive it from that socket."""

    def __init__(self, call_id: int, user_id: int, display: str, send: Send) -> None:
        self.call_id, self.user_id, self.display = call_id, user_id, display
        self.send = send
        self.participant: Participant | None = None
        self.feeds: set[int] = set()
        self.pump: asyncio.Task[None] | None = None

    async def join(self) -> None:
        """Take a place in the call's room now: call.sfu.feeds follows (who publishes)."""
        await self._joined()

    async def _joined(self) -> Participant:
        if self.participant is None:
            janus = shared_client()
            try:
                await janus.create_room(self.call_id, ROOM_PUBLISHERS)
                self.participant = await janus.join(
                    self.call_id, display=self.display, feed_id=self.user_id
                )
            except JanusError as error:
                raise unavailable(error) from error
            self.pump = asyncio.get_running_loop().create_task(self._events(self.participant))
        return self.participant

    async def publish(self, offer_sdp: str) -> str:
        """The browser's offer to publish; returns Janus's answer."""
        participant = await self._joined()
        try:
            return await participant.publish(offer_sdp)
        except JanusError as error:
            raise unavailable(error) from error

    async def subscribe(self, users: list[int]) -> str:
        """Receive these users' feeds (of those publishing); returns Janus's offer (and
        `streams` says whose each m-line is)."""
        participant = await self._joined()
        feeds = [u for u in users if u in self.feeds and u != self.user_id]
        if not feeds:
            raise ParleyError(
                ErrorCode.NOT_FOUND, "None of them publishes in this call.", call=self.call_id
            )
        try:
            return await participant.subscribe(feeds)
        except JanusError as error:
            raise unavailable(error) from error

    async def start(self, answer_sdp: str) -> None:
        participant = await self._joined()
        try:
            await participant.start(answer_sdp)
        except JanusError as error:
            raise unavailable(error) from error

    async def trickle(self, candidate: catalogue.IceCandidate | None, target: Target) -> None:
        participant = await self._joined()
        try:
            await participant.trickle(dict(candidate) if candidate else None, target=target)
        except JanusError as error:
            raise unavailable(error) from error

    @property
    def streams(self) -> list[catalogue.SfuStream]:
        """Whose media each m-line of the latest subscription offer carries."""
        return sfu_streams(self.participant.streams if self.participant else [])

    async def leave(self) -> None:
        """Leave the room (the others' feeds lists drop this user); idempotent."""
        participant, self.participant = self.participant, None
        if participant is not None:
            try:
                await participant.leave()
            except JanusError:
                logger.warning("SFU participant of call %s did not leave cleanly", self.call_id)
        if self.pump is not None:
            self.pump.cancel()
            await asyncio.gather(self.pump, return_exceptions=True)
            self.pump = None

    async def _events(self, participant: Participant) -> None:
        """Janus's events for this participant, as the socket's events: the feeds of the
        call, and Janus's renegotiation offers for the subscription."""
        async for event in participant.events():
            try:
                await self._forward(event)
            except Exception:
                logger.exception("SFU event of call %s not forwarded", self.call_id)

    async def _forward(self, event: Any) -> None:
        if isinstance(event, FeedPublished | FeedUnpublished):
            if isinstance(event, FeedPublished):
                self.feeds.add(event.feed_id)
            else:
                self.feeds.discard(event.feed_id)
            await self.send(catalogue.CallSfuFeeds(call=self.call_id, feeds=sorted(self.feeds)))
        elif isinstance(event, SubscriberOffer):
            offer = catalogue.CallSfuOffer(
                ref=None, call=self.call_id, sdp=event.sdp, streams=sfu_streams(event.streams)
            )
            await self.send(offer)
        elif isinstance(event, Disconnected):
            logger.info("SFU session of call %s over: %s", self.call_id, event.reason)


def sfu_streams(streams: list[dict[str, Any]]) -> list[catalogue.SfuStream]:
    """Janus's description of a subscription's m-lines, as clients see it (feed ids are
    user ids); data channels and inactive lines left out."""
    return [
        {"mid": str(s["mid"]), "user": int(s["feed_id"]), "kind": str(s.get("type", ""))}
        for s in streams
        if s.get("feed_id") is not None and s.get("active", True) and "mid" in s
    ]


def kick(call_id: int, user_id: int) -> None:
    """Put `user_id` out of the call's Janus room (from a job: a client of its own), so
    that their media stops at once wherever their socket is."""

    async def kick() -> None:
        async with JanusClient.from_settings() as janus:
            await janus.kick(call_id, user_id)

    async_to_sync(kick)()


def destroy_room(call_id: int) -> None:
    """Destroy the call's Janus room (from a job: a client of its own)."""

    async def destroy() -> None:
        async with JanusClient.from_settings() as janus:
            await janus.destroy_room(call_id)

    async_to_sync(destroy)()
