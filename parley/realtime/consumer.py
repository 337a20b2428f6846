"""The one WebSocket a client opens: /ws/. See docs/protocol.md for every frame.

ParleyConsumer is dispatch. A frame from the client is parsed (parley.events.frames),
handed to its action or read, and answered, under the socket's lock, so events that arrive
meanwhile follow the answer. An event from the process's Fanout (parley/realtime/fanout.py)
comes in through `deliver` and goes to the mechanism that owns it:
- parley/realtime/outbox.py: the inbox, its writer task and the slow-reader policy;
- parley/realtime/stream.py: per conversation, the seq last sent: repeats dropped, gaps
  named, live events held between hello and the client's first frame;
- parley/realtime/following.py: the conversations followed, resume, gap fills from the
  database, the end of the hold, and the repair of what the channel layer lost (joined and
  left events, events missed while Redis was away);
- parley/realtime/reads.py: the database reads (sign-in, hello's state, gap fills);
- parley/realtime/signin.py: who may open a socket, and which ended sessions close it;
- parley/realtime/gates.py: how many sockets of the process open or close at once;
- parley/realtime/liveness.py: typing and presence;
- parley/realtime/calls.py: call frames (into parley.calls) and relayed signalling.
So each socket gets every message once and in order, whatever the channel layer drops or
reorders. The consumer itself reads no setting at import and queries no model.
"""

import contextlib
import logging
import uuid
from typing import Any, cast

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from uvicorn.protocols.utils import ClientDisconnected

from parley.accounts.events import user_summary
from parley.core.errors import ErrorCode, ParleyError
from parley.core.resilience import unavailable
from parley.events import catalogue, frames
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.react import check_react
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.send import CLIENT_ID, SendRequest
from parley.realtime import liveness, protocol, reads, server, signin
from parley.realtime.calls import CallsMixin
from parley.realtime.following import Following
from parley.realtime.gates import gate
from parley.realtime.limits import (
    CLOSE_POLICY,
    CLOSE_TRY_AGAIN,
    RefusedFrames,
    check_frame_rate,
)
from parley.realtime.sending import send_message
from parley.realtime.threads import writing

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
CLOSE_SERVER_ERROR = 1011


# Refusals that do not count against a socket: the server's trouble, and rate limits (a
# client resending its backlog after a reconnect meets them without being hostile).
_NOT_THE_CLIENTS = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE})


# Writes other than sends (parley/realtime/sending.py) in the write pool
# (parley/realtime/threads.py); reads are in parley/realtime/reads.py.
_edit_message = writing(check_edit_message)
_delete_message = writing(check_delete_message)
_react = writing(check_react)
_move_message = writing(check_move_message)
_mark_read = writing(check_mark_read)


class ParleyConsumer(CallsMixin, liveness.LivenessMixin, Following, AsyncWebsocketConsumer):
    # No channel-layer channel per socket (see __call__): the process's Fanout delivers
    # events to deliver(). No channel-layer groups either, and no list of them per socket.
    groups: list[str] = []

    def __init__(self) -> None:
        """Every attribute a socket has, set here before any await.

        CPython shares one table of attribute names among a class's instances (PEP 412)
        and leaves less room in it with each new instance. Set first after an await,
        while several sockets were connecting, an attribute could find the table full;
        from then on every socket had a dict of its own (0.8 KB of an idle socket,
        tracemalloc).
        """
        super().__init__()
        self.scope: dict[str, Any] = {}
        self.channel_layer = None
        self.user: Any = None  # the signed-in User, once accepted
        self.channel_name = ""
        self.session_tag: str | None = None
        self.refused_frames = RefusedFrames()
        self.released = False  # disconnect's clean-up has run
        self.closed_with: int | None = None  # the code this side closed with, if it did

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' consumer loop, minus what a socket without a channel-layer channel of
        its own never uses: await_many_dispatch keeps a second task and its futures per
        socket (3.4 KB of an idle socket's ~49). Frames are handled one at a time, in order,
        as there."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        except ClientDisconnected:
            pass  # the client went away while it was being answered: nobody to tell
        except Exception as error:
            # Neither the database away (say, during hello) nor a bug may leave the socket
            # open and unanswered, or its user "online" to others: close it (the client
            # reconnects and resumes) and clean up. An outage is logged once, not per socket.
            retryable = unavailable(error)
            if retryable is None:
                logger.exception("socket of user %s failed", getattr(self.user, "pk", None))
            if not self.closed:
                with contextlib.suppress(Exception):
                    await self.close(code=CLOSE_TRY_AGAIN if retryable else CLOSE_SERVER_ERROR)
        finally:
            await self.disconnect(CLOSE_SERVER_ERROR)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler for `message` directly.

        Channels' dispatch first closes stale database connections through a hop to the
        one sync thread, for every message. These handlers touch the database only
        through database_sync_to_async, which does the same cleanup in the thread that
        uses the connection.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if message["type"].startswith("websocket."):
            await handler(message)
            return
        try:
            await handler(message)
        except OSError:  # uvicorn's ClientDisconnected: the socket is going
            self.closed = True
        except Exception:
            # A failed event (say, the database briefly away during a gap fill) must not
            # take the socket down; the client repairs from its seqs on the next event.
            logger.exception("event %s failed for user %s", message["type"], self.user.pk)

    def deliver(self, message: dict[str, Any]) -> None:
        """An event for this socket, from the Fanout: queued for this socket's own writer.

        Never waits. The next event of a conversation, with nothing ahead of it, is
        written at once (write_now); anything else, or any event for a socket that is
        slow to read (its transport paused), is queued: one slow reader holds up only its
        own writer task, not the process's other sockets. Repeats and typing this socket
        would drop are discarded here, before any queueing.
        """
        if self.closed:
            return
        kind = message["type"]
        if kind == "parley.sequenced":
            conversation, seq = message["conversation"], message["seq"]
            delivered = self.delivered.get(conversation)
            if delivered is not None:
                if seq <= delivered:
                    return
                if seq == delivered + 1 and self.write_now(message):
                    self.delivered[conversation] = seq
                    return
        elif kind == "parley.event":
            if self.write_now(message):
                return
        elif (kind == "parley.typing" and not self.liveness_wanted(message)) or (
            kind == "parley.socket" and not self.call_wanted(message)
        ):
            return
        self.enqueue(message)

    async def connect(self) -> None:
        """Accept signed-in users; follow their conversations, then say hello.

        At most WEBSOCKET_CONNECTS_AT_ONCE sockets of the process do this at once: under a
        reconnect storm the rest wait, unanswered, rather than every connect's callbacks
        crowding the loop until events for open sockets (and Redis's replies) run late.
        """
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before accept reaches browsers as 1006, not our code.
            await self.accept()
            await self.close(code=signin.CLOSE_UNAUTHENTICATED)
            return
        async with gate("open"):
            await self._open(user)

    async def _open(self, user: Any) -> None:
        self.user = user  # the User itself (parley.realtime.asgi), not a lazy proxy
        self.channel_name = f"socket.{uuid.uuid4().hex}"  # this socket's name, for presence
        refusal = await signin.refusal(self.scope, user, self.liveness_admit)
        if refusal is not None:
            error, code = refusal
            await self.accept()
            await self._send_error(error, None)
            await self.close(code=code)
            return
        extension = (self.scope.get("extensions") or {}).get(server.EXTENSION, {})
        self.write, self.close_now = extension.get("write"), extension.get("close")
        async with self.lock:  # events that arrive meanwhile wait in the inbox
            await self._connect(user)
        self.kick()

    async def _connect(self, user: Any) -> None:
        await self.accept()
        await self.open_following(user.pk)
        self.session_tag = signin.tag_of(self.scope)
        # Listening for the end of this session now, check that it has not ended since
        # the handshake read it; and join the streams before reading the state, so that
        # nothing committed in between is lost.
        conversations = await reads.membership(user, self.scope)
        if conversations is None:
            await self.close(code=signin.CLOSE_UNAUTHENTICATED)
            return
        await self.follow(conversations)
        summaries, reach, ringing = await reads.state(user)
        self.follow_from(summaries)
        statuses = await self.liveness_connected(reach)
        hello = catalogue.Hello(
            user=user_summary(user),
            conversations=cast(list[catalogue.ConversationSummary], summaries),
            heartbeat=settings.WEBSOCKET_HEARTBEAT_SECONDS,
            presence=statuses,
        )
        await self.send_event(hello)
        await self.call_connected(ringing)
        self.hold()
        # The handshake's headers (the server's list, in the one scope) are read by now;
        # kept, they are 1.1 KB of an idle socket.
        headers = self.scope.get("headers")
        if isinstance(headers, list):
            headers.clear()

    async def disconnect(self, code: int) -> None:
        """Let go of everything the socket holds (once, however it ended)."""
        self.closed = True
        if self.released:
            return
        self.released = True
        async with gate("close"):
            if self.user is not None:
                await self.call_disconnected()
                await self.liveness_disconnected(self.closed_with or code)
            await self.close_following()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Parse one frame and answer it; bad input gets an error event, never a close.

        Under the socket's lock, as one step: events that arrive meanwhile are written
        after the answer (a sender gets its ack before its own message, as it always has).
        """
        if self.closed:
            return
        async with self.lock:
            await self._receive(text_data)
        self.kick()

    async def _receive(self, text_data: str | None) -> None:
        data = None
        try:
            if text_data is None:
                raise ParleyError(ErrorCode.INVALID, "Frames must be JSON text, not binary.")
            data = protocol.decode(text_data)
            await check_frame_rate(data.get("type"), self.user.pk)
            frame = frames.parse(data)
            signin.check_may_send(self.scope, frame)
            if isinstance(frame, frames.LIVENESS):
                await self.liveness_frame(frame)
                return
            if self.holding and not isinstance(frame, frames.Resume):
                await self.end_hold()
            await self._handle(frame, data)
        except ParleyError as error:
            logger.info("ws frame refused for user %s: %s", self.user.pk, error.message)
            await self._send_error(error, data)
            if error.code not in _NOT_THE_CLIENTS and self.refused_frames.refused():
                logger.warning("socket of user %s closed: too many refused frames", self.user.pk)
                await self.close(code=CLOSE_POLICY)
                self.closed = True
        except OSError:  # uvicorn's ClientDisconnected: nobody to answer
            self.closed = True
        except Exception:
            logger.exception("ws frame failed for user %s", self.user.pk)
            await self._send_error(
                ParleyError(ErrorCode.INTERNAL, "Something went wrong; try again."), data
            )

    async def _handle(self, frame: frames.ClientFrame, data: dict[str, Any]) -> None:
        ref = protocol.ref_of(data)
        match frame:
            case frames.Send():
                result = await send_message(
                    SendRequest(
                        self.user,
                        client_id=frame.client_id,
                        body=frame.body,
                        conversation_id=frame.conversation,
                        to_user_id=frame.user,
                        reply_to=frame.reply_to,
                        attachments=frame.attachments,
                    )
                )
                message = result.message
                await self.send_event(
                    catalogue.Ack(
                        ref=ref,
                        client_id=message.client_id,
                        conversation=message.conversation_id,
                        id=message.pk,
                        seq=message.seq,
                        duplicate=not result.created,
                    )
                )
            case frames.Edit():
                seq = await _edit_message(self.user, frame.message, frame.body)
                await self._send_done(ref, frame.message, seq)
            case frames.Delete():
                seq = await _delete_message(self.user, frame.message)
                await self._send_done(ref, frame.message, seq)
            case frames.React():
                seq = await _react(self.user, frame.message, frame.emoji, frame.on)
                await self._send_done(ref, frame.message, seq)
            case frames.Move():
                seq = await _move_message(self.user, frame.message, frame.to)
                await self._send_done(ref, frame.message, seq)
            case frames.Read():
                await _mark_read(self.user, frame.conversation, frame.seq)
            case frames.Resume():
                await self.resume(frame.conversations, ref)
            case frames.History():
                page = await reads.page(
                    self.user,
                    frame.conversation,
                    before=frame.before,
                    after=frame.after,
                    limit=frame.limit,
                )
                await self.send_event(catalogue.History(ref=ref, **page))
            case frames.Ping():
                await self.call_heartbeat()  # first: a pong says the call heard it
                await self.send_event(catalogue.Pong(ref=ref))
                await self.liveness_heartbeat()
            case (
                frames.CallStart()
                | frames.CallJoin()
                | frames.CallDecline()
                | frames.CallLeave()
                | frames.CallOffer()
                | frames.CallAnswer()
                | frames.CallCandidate()
                | frames.CallIceServers()
                | frames.CallMedia()
                | frames.CallSfuPublish()
                | frames.CallSfuSubscribe()
                | frames.CallSfuStart()
                | frames.CallSfuCandidate()
            ):
                await self.call_frame(frame, ref)

    # --- events from the channel layer (see parley/events/publish.py) -------------

    async def parley_session_ended(self, event: dict[str, Any]) -> None:
        """Login sessions of this user ended: closed if its own was among them
        (parley/realtime/signin.py says which and with what code)."""
        code, self.session_tag = signin.ended(event, self.session_tag)
        if code is None:
            return  # another login of the same user, or the one kept
        await self.send_event(catalogue.SessionEnded())
        await self.close(code=code)

    # --- helpers ----------------------------------------------------------------------

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Channels' send, for the liveness mixin: text goes the one way every frame goes."""
        if text_data is None:
            raise ValueError("Parley sends text frames only")
        await self.write_text(text_data)
        if close:
            await self.close()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close once, at once: through the server's immediate close when it offers one
        (a polite close waits for a client that may never read again), else Channels'."""
        if isinstance(code, int) and not isinstance(code, bool) and self.closed_with is None:
            self.closed_with = code
        if self.close_now is not None and isinstance(code, int) and not isinstance(code, bool):
            self.close_at_once(code)
            return
        with contextlib.suppress(OSError, RuntimeError):  # gone meanwhile, or closed twice
            await super().close(code, reason)
        self.closed = True

    async def _send_done(self, ref: str | int | None, message_id: int, seq: int | None) -> None:
        await self.send_event(catalogue.Done(ref=ref, message=message_id, seq=seq))

    async def _send_error(self, error: ParleyError, data: dict[str, Any] | None) -> None:
        client_id = (data or {}).get("client_id")
        valid = isinstance(client_id, str) and CLIENT_ID.match(client_id)  # echoed only if so
        await self.send_event(
            catalogue.error_event(error, protocol.ref_of(data), client_id if valid else None)
        )


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any WebSocket path but /ws/: refused with a clear close code."""

    channel_layer_alias = "parley.fanout"  # no channel-layer channel

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)
