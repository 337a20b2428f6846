"""An asyncio client for Janus's VideoRoom plugin: Parley's SFU for calls beyond the mesh.

Parley alone talks to Janus; browsers only see SDP and ICE candidates, relayed over
Parley's own socket. Parley holds Janus's API secret (JANUS_API_SECRET, which is also the
VideoRoom's admin_key, so only Parley creates rooms), and each room's secret (to edit or
destroy it) and pin (to join it) are derived from that secret and the room id, so every
Parley process can manage any call's room without storing anything. Rooms also require a
publisher's private id to subscribe, so a handle can only subscribe in a room it joined.

Transport: Janus's WebSocket API (its `janus-protocol`), through the `websockets`
library Parley already uses. One socket per process carries every request and pushes
every event as it happens, in order; the HTTP API would need a long-poll per session
and an HTTP client. When the socket drops, Janus ends the sessions it carried (so no
participant's media outlives the process that speaks for it); their event streams end
with `Disconnected`, and the next request reconnects.

    janus = shared_client()                     # one per process, from the settings
    room = await janus.create_room(call_id, publishers=10)
    alice = await janus.join(call_id, display="alice", feed_id=participant_id)
    answer = await alice.publish(offer_sdp)     # send the answer to the browser
    async for event in alice.events():          # FeedPublished, FeedUnpublished, ...
        ...                                     # (in a task of its own)
    offer = await alice.subscribe([bob_feed])   # a FeedPublished's feed_id; the browser
    await alice.start(answer_sdp)               # answers the offer
    await alice.trickle(candidate, target="publisher")
    await alice.leave()
    await janus.kick(call_id, bob_feed)         # with the room's secret
    await janus.destroy_room(call_id)

Every request fails with JanusError (JanusTimeout past JANUS_TIMEOUT_SECONDS,
JanusClosed when the socket is gone) and never hangs.
"""

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from parley.core.per_loop import PerLoop

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
PROTOCOL = Subprotocol("janus-protocol")
# Janus ends a session it has heard nothing of for session_timeout (60 s by default).
KEEPALIVE_SECONDS = 20.0
# Error codes that the client handles itself.
NO_SUCH_SESSION = 458  # Janus's own
NO_SUCH_ROOM = 426
NO_SUCH_FEED = 428
ROOM_EXISTS = 427

Target = Literal["publisher", "subscriber"]


class JanusError(Exception):
    """Janus refused a request or could not be reached. `code` is Janus's (or the
    VideoRoom's) error code when it answered with one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class JanusTimeout(JanusError):
    """Janus did not answer in time."""


class JanusClosed(JanusError):
    """The socket to Janus is closed (or could not be opened)."""


@dataclass(frozen=True)
class Room:
    """A call's VideoRoom. Its secret and pin are Parley's, never a browser's."""

    id: int
    secret: str
    pin: str


@dataclass(frozen=True)
class FeedPublished:
    """A participant of the room publishes (or did before this one joined): subscribe
    to `feed_id` to receive it. `streams` are Janus's descriptions (type, mid, codec)."""

    feed_id: int
    display: str
    streams: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FeedUnpublished:
    """A feed stopped publishing or its participant left the room."""

    feed_id: int


@dataclass(frozen=True)
class SubscriberOffer:
    """Janus renegotiates this participant's subscription (a feed it receives went away,
    for instance): pass the offer to the browser and its answer to `start`. `streams`:
    what each m-line now carries (Participant.streams)."""

    sdp: str
    streams: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MediaState:
    """The publisher's or the subscriber's PeerConnection with Janus came up or hung up."""

    target: Target
    up: bool
    reason: str = ""


@dataclass(frozen=True)
class Disconnected:
    """This participant's Janus session is over (Janus went away, the room was
    destroyed, the session timed out). The last event of the stream."""

    reason: str


Event = FeedPublished | FeedUnpublished | SubscriberOffer | MediaState | Disconnected


def _derived(api_secret: str, purpose: str, room_id: int) -> str:
    message = f"parley:{purpose}:{room_id}".encode()
    return hmac.new(api_secret.encode(), message, hashlib.sha256).hexdigest()


def _plugin_data(reply: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = reply.get("plugindata", {}).get("data", {})
    return data


def _jsep_sdp(reply: dict[str, Any], kind: str) -> str:
    jsep = reply.get("jsep")
    if not isinstance(jsep, dict) or jsep.get("type") != kind or "sdp" not in jsep:
        raise JanusError(f"Janus answered without the expected SDP {kind}")
    return str(jsep["sdp"])


class _Pending:
    """A request waiting for its reply. Asynchronous VideoRoom requests are first
    acknowledged ("ack") and answered later by an "event" with the same transaction."""

    def __init__(self, *, ack_is_reply: bool) -> None:
        self.ack_is_reply = ack_is_reply
        self.future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()


class JanusClient:
    """One process's connection to Janus. Open it with `async with` (or `connect`);
    it reconnects on the next request after the socket drops."""

    def __init__(self, url: str, api_secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.api_secret = api_secret
        self.timeout = timeout
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._connecting = asyncio.Lock()
        self._pending: dict[str, _Pending] = {}
        self._transactions = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        # Every session's handles, by handle id, to route Janus's events.
        self._handles: dict[int, _Handle] = {}
        self._sessions: set[int] = set()
        self._control: _Handle | None = None  # for room management

    @classmethod
    def from_settings(cls) -> Self:
        """A client for JANUS_URL with JANUS_API_SECRET and JANUS_TIMEOUT_SECONDS."""
        if not settings.JANUS_URL:
            raise JanusError("No SFU is configured (JANUS_URL is empty)")
        return cls(
            settings.JANUS_URL, settings.JANUS_API_SECRET, timeout=settings.JANUS_TIMEOUT_SECONDS
        )

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- connection ---------------------------------------------------------

    async def connect(self) -> None:
        """Open the socket (a no-op when it is open)."""
        async with self._connecting:
            if self._socket is not None:
                return
            try:
                async with asyncio.timeout(self.timeout):
                    self._socket = await connect(
                        self.url,
                        subprotocols=[PROTOCOL],
                        open_timeout=None,
                        max_size=4 * 1024 * 1024,
                        compression=None,
                    )
            except TimeoutError:
                raise JanusTimeout(
                    f"Janus at {self.url} did not answer within {self.timeout} s"
                ) from None
            except (OSError, InvalidHandshake, InvalidURI) as error:
                raise JanusClosed(f"Cannot reach Janus at {self.url}: {error}") from error
            self._reader = asyncio.create_task(self._read(self._socket))
            self._keepalive = asyncio.create_task(self._keep_alive())

    async def close(self) -> None:
        """Close the socket: Janus ends every session it carried."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        socket, reader = self._socket, self._reader
        if socket is not None:
            await socket.close()
        if reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read(self, socket: ClientConnection) -> None:
        reason = "the connection to Janus closed"
        try:
            async for raw in socket:
                try:
                    message = json.loads(raw)
                except ValueError:
                    logger.warning("Janus sent something that is not JSON: %.200r", raw)
                    continue
                if isinstance(message, dict):
                    self._dispatch(message)
        except ConnectionClosed as closed:
            reason = f"the connection to Janus closed ({closed})"
        finally:
            self._lost(socket, reason)

    def _lost(self, socket: ClientConnection, reason: str) -> None:
        """Fail what waits on `socket` and end the sessions it carried."""
        if self._socket is not socket:
            return
        self._socket = None
        if self._keepalive is not None:
            self._keepalive.cancel()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(JanusClosed(reason))
        self._pending.clear()
        for handle in self._handles.values():
            handle.sink.end(reason)
        self._handles.clear()
        self._sessions.clear()
        self._control = None

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        transaction = message.get("transaction")
        pending = self._pending.get(transaction) if isinstance(transaction, str) else None
        if pending is not None and (kind != "ack" or pending.ack_is_reply):
            del self._pending[transaction]  # type: ignore[arg-type]  # a str here
            if not pending.future.done():
                pending.future.set_result(message)
            return
        if kind == "ack":
            return
        if kind == "timeout":
            self._session_gone(message.get("session_id"), "the Janus session timed out")
            return
        handle = self._handles.get(message.get("sender"))  # type: ignore[arg-type]
        if handle is not None:
            handle.on_event(message)

    def _session_gone(self, session_id: Any, reason: str) -> None:
        self._sessions.discard(session_id)
        for handle_id, handle in list(self._handles.items()):
            if handle.session_id == session_id:
                del self._handles[handle_id]
                handle.sink.end(reason)
        if self._control is not None and self._control.session_id == session_id:
            self._control = None

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            for session_id in list(self._sessions):
                try:
                    await self.request({"janus": "keepalive", "session_id": session_id})
                except JanusError as error:
                    logger.warning("Janus keepalive of session %s failed: %s", session_id, error)
                    if error.code == NO_SUCH_SESSION:
                        self._session_gone(session_id, "Janus forgot the session")

    # --- requests -------------------------------------------------------------

    async def request(self, message: dict[str, Any], *, what: str = "") -> dict[str, Any]:
        """Send one Janus API message and wait for its reply: "success", "server_info",
        "ack" (for keepalive and trickle) or the "event" that answers an asynchronous
        plugin request. Raises JanusError on an error reply, a plugin error, a timeout or
        a closed socket."""
        await self.connect()
        socket = self._socket
        if socket is None:
            raise JanusClosed("the connection to Janus closed")
        transaction = f"{self._prefix}-{next(self._transactions)}"
        kind = message["janus"]
        pending = _Pending(ack_is_reply=kind in {"keepalive", "trickle"})
        self._pending[transaction] = pending
        what = what or kind
        try:
            async with asyncio.timeout(self.timeout):
                await socket.send(
                    json.dumps(
                        {**message, "transaction": transaction, "apisecret": self.api_secret}
                    )
                )
                reply = await pending.future
        except TimeoutError:
            raise JanusTimeout(f"Janus did not answer {what} within {self.timeout} s") from None
        except ConnectionClosed as closed:
            raise JanusClosed(f"the connection to Janus closed ({closed})") from None
        finally:
            self._pending.pop(transaction, None)
        if reply.get("janus") == "error":
            error = reply.get("error", {})
            raise JanusError(
                f"Janus refused {what}: {error.get('reason', 'no reason given')}",
                code=error.get("code"),
            )
        data = _plugin_data(reply)
        if "error_code" in data or "error" in data:
            raise JanusError(
                f"Janus's VideoRoom refused {what}: {data.get('error', 'no reason given')}",
                code=data.get("error_code"),
            )
        return reply

    async def info(self) -> dict[str, Any]:
        """Janus's server_info (version, plugins, transports)."""
        return await self.request({"janus": "info"})

    async def _session(self) -> int:
        reply = await self.request({"janus": "create"}, what="a new session")
        session_id = int(reply["data"]["id"])
        self._sessions.add(session_id)
        return session_id

    async def _attach(self, session_id: int, target: Target, sink: "_Sink") -> "_Handle":
        reply = await self.request(
            {"janus": "attach", "session_id": session_id, "plugin": VIDEOROOM},
            what="attaching to the VideoRoom",
        )
        handle = _Handle(self, session_id, int(reply["data"]["id"]), target, sink)
        self._handles[handle.id] = handle
        return handle

    async def _destroy_session(self, session_id: int) -> None:
        self._session_gone(session_id, "left")
        with contextlib.suppress(JanusClosed):
            await self.request({"janus": "destroy", "session_id": session_id}, what="leaving")

    async def _control_handle(self) -> "_Handle":
        if self._control is None:
            session_id = await self._session()
            self._control = await self._attach(session_id, "publisher", _Sink())
        return self._control

    # --- rooms ----------------------------------------------------------------

    def room(self, call_id: int) -> Room:
        """The room of call `call_id`, with its derived secret and pin."""
        if isinstance(call_id, bool) or not isinstance(call_id, int) or not 0 < call_id < 2**63:
            raise ValueError(f"a call id is a positive integer, not {call_id!r}")
        return Room(
            call_id,
            _derived(self.api_secret, "room-secret", call_id),
            _derived(self.api_secret, "room-pin", call_id),
        )

    async def create_room(self, call_id: int, publishers: int, *, bitrate: int = 1_000_000) -> Room:
        """Create call `call_id`'s room for up to `publishers` publishers at once (each
        sending at most `bitrate` bits per second of video). Idempotent: when the room
        exists already (another process made it) its publisher cap is updated."""
        room = self.room(call_id)
        control = await self._control_handle()
        body = {
            "request": "create",
            "room": room.id,
            "description": f"Parley call {call_id}",
            "secret": room.secret,
            "pin": room.pin,
            "admin_key": self.api_secret,
            "is_private": True,
            "require_pvtid": True,
            "permanent": False,
            "publishers": publishers,
            "bitrate": bitrate,
            "audiocodec": "opus",
            "videocodec": "vp8,h264",
        }
        try:
            await control.message(body, what=f"creating the room of call {call_id}")
        except JanusError as error:
            if error.code != ROOM_EXISTS:
                raise
            await control.message(
                {
                    "request": "edit",
                    "room": room.id,
                    "secret": room.secret,
                    "new_publishers": publishers,
                    "new_bitrate": bitrate,
                },
                what=f"updating the room of call {call_id}",
            )
        return room

    async def destroy_room(self, call_id: int) -> None:
        """Destroy call `call_id`'s room: Janus hangs up on everyone in it. Idempotent."""
        room = self.room(call_id)
        control = await self._control_handle()
        try:
            await control.message(
                {"request": "destroy", "room": room.id, "secret": room.secret, "permanent": False},
                what=f"destroying the room of call {call_id}",
            )
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                raise

    async def kick(self, call_id: int, feed_id: int) -> bool:
        """Put participant `feed_id` out of call `call_id`'s room with the room's secret:
        Janus hangs up their media, and the others get FeedUnpublished. False when they
        (or the room) are not there: idempotent."""
        room = self.room(call_id)
        control = await self._control_handle()
        try:
            await control.message(
                {"request": "kick", "room": room.id, "secret": room.secret, "id": feed_id},
                what=f"putting {feed_id} out of the room of call {call_id}",
            )
        except JanusError as error:
            if error.code in {NO_SUCH_ROOM, NO_SUCH_FEED}:
                return False
            raise
        return True

    async def list_participants(self, call_id: int) -> list[dict[str, Any]]:
        """Who is in call `call_id`'s room (Janus's listparticipants: id, display,
        publisher)."""
        control = await self._control_handle()
        reply = await control.message(
            {"request": "listparticipants", "room": self.room(call_id).id},
            what=f"listing the room of call {call_id}",
        )
        participants: list[dict[str, Any]] = _plugin_data(reply).get("participants", [])
        return participants

    async def room_exists(self, call_id: int) -> bool:
        """Whether call `call_id`'s room exists on Janus."""
        control = await self._control_handle()
        reply = await control.message(
            {"request": "exists", "room": self.room(call_id).id}, what="checking a room"
        )
        return bool(_plugin_data(reply).get("exists"))

    # --- participants ---------------------------------------------------------

    async def join(
        self, call_id: int, *, display: str, feed_id: int | None = None
    ) -> "Participant":
        """Join call `call_id`'s room as a participant (a Janus session of its own) that
        may publish and subscribe. `display` and `feed_id` (Janus picks one when None)
        name it in the other participants' FeedPublished events. The participant's
        events() start with a FeedPublished for every feed already published."""
        room = self.room(call_id)
        session_id = await self._session()
        participant = Participant(self, room, session_id)
        try:
            participant.publisher = await self._attach(session_id, "publisher", participant.sink)
            body: dict[str, Any] = {
                "request": "join",
                "ptype": "publisher",
                "room": room.id,
                "pin": room.pin,
                "display": display,
            }
            if feed_id is not None:
                body["id"] = feed_id
            reply = await participant.publisher.message(body, what=f"joining call {call_id}")
        except BaseException:
            with contextlib.suppress(JanusError):  # the first error is the one to tell
                await self._destroy_session(session_id)
            raise
        data = _plugin_data(reply)
        participant.feed_id = int(data["id"])
        participant.private_id = int(data["private_id"])
        participant.publisher.feeds_published(data.get("publishers", []))
        return participant


_shared: PerLoop[JanusClient] = PerLoop(lambda: JanusClient.from_settings())


def shared_client() -> JanusClient:
    """The process's client (for the running event loop) from the settings, made on first
    use; it connects on its first request. Raises JanusError when JANUS_URL is empty."""
    return _shared.get()


class _Sink:
    """Where a participant's events go: its handles' events, one Disconnected at the end."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.ended = False
        self.reason = ""
        self.feeds: set[int] = set()  # published now, as far as the events told

    def put(self, event: Event) -> None:
        if not self.ended:
            self.queue.put_nowait(event)

    def end(self, reason: str) -> None:
        if not self.ended:
            self.queue.put_nowait(Disconnected(reason))
            self.ended = True
            self.reason = reason


class _Handle:
    """A plugin handle: its requests, and the events Janus pushes to it."""

    def __init__(
        self, client: JanusClient, session_id: int, handle_id: int, target: Target, sink: _Sink
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.id = handle_id
        self.target = target
        self.sink = sink
        self.participant: Participant | None = None

    def check_alive(self) -> None:
        if self.sink.ended:
            raise JanusClosed(f"this participant's Janus session is over: {self.sink.reason}")

    async def message(
        self, body: dict[str, Any], *, jsep: dict[str, Any] | None = None, what: str
    ) -> dict[str, Any]:
        self.check_alive()
        message: dict[str, Any] = {
            "janus": "message",
            "session_id": self.session_id,
            "handle_id": self.id,
            "body": body,
        }
        if jsep is not None:
            message["jsep"] = jsep
        return await self.client.request(message, what=what)

    async def trickle(self, candidate: dict[str, Any]) -> None:
        self.check_alive()
        await self.client.request(
            {
                "janus": "trickle",
                "session_id": self.session_id,
                "handle_id": self.id,
                "candidate": candidate,
            },
            what="an ICE candidate",
        )

    def feeds_published(self, publishers: list[dict[str, Any]]) -> None:
        for publisher in publishers:
            if not publisher.get("dummy"):
                self.sink.feeds.add(int(publisher["id"]))
                self.sink.put(
                    FeedPublished(
                        int(publisher["id"]),
                        str(publisher.get("display", "")),
                        list(publisher.get("streams", [])),
                    )
                )

    def on_event(self, message: dict[str, Any]) -> None:
        """An event Janus pushed to this handle (not the reply to a request)."""
        kind = message.get("janus")
        if kind == "webrtcup":
            self.sink.put(MediaState(self.target, up=True))
        elif kind == "hangup":
            self.sink.put(MediaState(self.target, up=False, reason=str(message.get("reason", ""))))
        elif kind == "detached":
            self.client._handles.pop(self.id, None)
        elif kind == "event":
            self._plugin_event(_plugin_data(message), message.get("jsep"))

    def _plugin_event(self, data: dict[str, Any], jsep: Any) -> None:
        if data.get("videoroom") == "destroyed":
            self.sink.end("the call's room was destroyed")
            return
        if self.target == "subscriber":
            if "streams" in data and self.participant is not None:
                self.participant.streams = list(data["streams"])
            if isinstance(jsep, dict) and jsep.get("type") == "offer":
                self.sink.put(SubscriberOffer(str(jsep["sdp"]), list(data.get("streams", []))))
            return
        self.feeds_published(data.get("publishers", []))
        for key in ("unpublished", "leaving", "kicked"):
            # Janus says these, more than once, and of participants that never published
            # ("kicked": Parley put them out, parley.calls.sfu.kick).
            feed = data.get(key)
            if feed in self.sink.feeds:
                self.sink.feeds.discard(feed)
                self.sink.put(FeedUnpublished(feed))


class Participant:
    """One user's presence in a call's room: a publisher handle, and a subscriber handle
    once it subscribes. Drive it from one task at a time."""

    def __init__(self, client: JanusClient, room: Room, session_id: int) -> None:
        self.client = client
        self.room = room
        self.session_id = session_id
        self.sink = _Sink()
        self.publisher: _Handle  # set by JanusClient.join
        self.subscriber: _Handle | None = None
        # Janus's description of each m-line of the subscription (mid, type, feed_id,
        # feed_display, active), as of the latest offer: which tile is whose.
        self.streams: list[dict[str, Any]] = []
        self.feed_id = 0
        self.private_id = 0
        self.left = False

    async def publish(self, offer_sdp: str, *, trickle: bool = True) -> str:
        """Publish the browser's offer; returns Janus's SDP answer (with Janus's ICE
        candidates in it). `trickle`: the browser sends its candidates with `trickle`
        (False when they are all in the offer already)."""
        reply = await self.publisher.message(
            {"request": "publish"},
            jsep={"type": "offer", "sdp": offer_sdp, "trickle": trickle},
            what="publishing",
        )
        return _jsep_sdp(reply, "answer")

    async def unpublish(self) -> None:
        """Stop publishing, staying in the room (to keep receiving)."""
        await self.publisher.message({"request": "unpublish"}, what="unpublishing")

    async def subscribe(self, feeds: list[int]) -> str:
        """Receive `feeds` too: feed ids from FeedPublished events (Janus knows a feed
        once its media is up, not before). Returns Janus's SDP offer for the subscriber
        PeerConnection, whose answer goes to `start`; `streams` says which m-line is whose."""
        self.publisher.check_alive()
        streams = [{"feed": feed} for feed in feeds]
        if self.subscriber is None:
            handle = await self.client._attach(self.session_id, "subscriber", self.sink)
            handle.participant = self
            self.subscriber = handle
            body = {
                "request": "join",
                "ptype": "subscriber",
                "room": self.room.id,
                "pin": self.room.pin,
                "private_id": self.private_id,
                "streams": streams,
            }
            reply = await handle.message(body, what="subscribing")
        else:
            reply = await self.subscriber.message(
                {"request": "update", "subscribe": streams}, what="subscribing"
            )
        self.streams = list(_plugin_data(reply).get("streams", []))
        return _jsep_sdp(reply, "offer")

    async def unsubscribe(self, feeds: list[int]) -> str:
        """Stop receiving `feeds`; returns Janus's new SDP offer (answer it with `start`)."""
        if self.subscriber is None:
            raise JanusError("nothing is subscribed")
        reply = await self.subscriber.message(
            {"request": "update", "unsubscribe": [{"feed": feed} for feed in feeds]},
            what="unsubscribing",
        )
        self.streams = list(_plugin_data(reply).get("streams", []))
        return _jsep_sdp(reply, "offer")

    async def start(self, answer_sdp: str) -> None:
        """Give Janus the browser's answer to the latest subscriber offer."""
        if self.subscriber is None:
            raise JanusError("nothing is subscribed")
        await self.subscriber.message(
            {"request": "start"}, jsep={"type": "answer", "sdp": answer_sdp}, what="starting"
        )

    async def trickle(self, candidate: dict[str, Any] | None, *, target: Target) -> None:
        """One ICE candidate of the browser's (RTCIceCandidateInit: candidate, sdpMid,
        sdpMLineIndex) for its publisher or subscriber PeerConnection; None when the
        browser has gathered them all."""
        handle = self.publisher if target == "publisher" else self.subscriber
        if handle is None:
            raise JanusError("nothing is subscribed")
        await handle.trickle(candidate if candidate is not None else {"completed": True})

    async def leave(self) -> None:
        """Leave the room and end the session: the others get FeedUnpublished."""
        if self.left:
            return
        self.left = True
        if not self.sink.ended:  # else Janus ended the session already
            await self.client._destroy_session(self.session_id)

    async def events(self) -> AsyncIterator[Event]:
        """What happens in the room that concerns this participant, in order, until
        (and including) Disconnected."""
        while True:
            event = await self.sink.queue.get()
            yield event
            if isinstance(event, Disconnected):
                return
