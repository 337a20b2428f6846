"""Calls on a socket: the call frames handed to parley.calls, relayed signalling out.

ParleyConsumer mixes this in. The socket's name (its channel_name) is its identity in a
call: parley.calls binds a participant to the socket that started or joined the call,
relays signalling to that socket only (a "parley.socket" event through the user's group,
which every socket of the user hears and only the named one forwards), keeps the
participant alive on this socket's pings, and gives them CALL_GRACE_SECONDS to come back
when it closes. Offers and answers, and candidates, are rate-limited per socket here,
before any database read.
"""

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings

from parley.calls.actions.join import check_join_call
from parley.calls.actions.leave import check_decline_call, check_leave_call
from parley.calls.actions.liveness import heartbeat, socket_gone, sweep_stale
from parley.calls.actions.signal import check_media, check_sfu, check_signal
from parley.calls.actions.start import Joined, check_start_call
from parley.calls.sfu import SfuSession
from parley.calls.turn import ice_servers_for
from parley.core.errors import ParleyError
from parley.core.ratelimit import acheck_rate
from parley.events import catalogue, frames
from parley.events.publish import publish_to_socket
from parley.realtime.threads import reading, writing

logger = logging.getLogger(__name__)

_start = writing(check_start_call)
_join = writing(check_join_call)
_leave = writing(check_leave_call)
_decline = writing(check_decline_call)
_heartbeat = writing(heartbeat)
_socket_gone = writing(socket_gone)
_sweep_stale = writing(sweep_stale)
_signal = reading(check_signal)
_check_sfu = reading(check_sfu)
_media = reading(check_media)
_ice_servers = reading(ice_servers_for)


_last_sweep = 0.0


async def sweep(now: float) -> None:
    """Every CALL_HEARTBEAT_SECONDS at most (the process's liveness sweep calls this more
    often): participants silent past the grace period leave, e.g. those of a process that
    died (parley.calls.actions.liveness). Every serving process runs it; it is idempotent."""
    global _last_sweep
    if now - _last_sweep < settings.CALL_HEARTBEAT_SECONDS:
        return
    _last_sweep = now
    try:
        await _sweep_stale()
    except Exception:
        logger.exception("calls' liveness sweep failed")


class CallsMixin:
    if TYPE_CHECKING:
        user: Any
        channel_name: str

        async def send(
            self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
        ) -> None: ...

        async def send_event(self, event: catalogue.ServerEvent | dict[str, Any]) -> None: ...

        lock: asyncio.Lock

    def __init__(self) -> None:
        """(Set with the consumer's attributes: ParleyConsumer's __init__ says why.)"""
        super().__init__()
        self.in_call = False  # this socket started or joined a call (it may have ended)
        self.sfu: SfuSession | None = None  # its place in an SFU call's Janus room

    async def call_frame(self, frame: frames.ClientFrame, ref: catalogue.Ref) -> None:
        """A call frame (parsed); errors are raised as ParleyError for the consumer."""
        match frame:
            case frames.CallOffer() | frames.CallAnswer() | frames.CallCandidate():
                kind = frames.CallCandidate
                limit = "call_candidate" if isinstance(frame, kind) else "call_signal"
                await acheck_rate(limit, self.channel_name)
                relay = await _signal(self.user.pk, self.channel_name, frame)
                if relay is not None:
                    await publish_to_socket(relay.user_id, relay.socket, relay.event)
            case frames.CallMedia():
                await acheck_rate("call_signal", self.channel_name)
                for relay in await _media(self.user.pk, self.channel_name, frame):
                    await publish_to_socket(relay.user_id, relay.socket, relay.event)
            case frames.CallStart():
                joined = await _start(self.user, self.channel_name, frame.conversation, frame.kind)
                await self._session(joined, ref)
            case frames.CallJoin():
                await self._session(await _join(self.user, self.channel_name, frame.call), ref)
            case (
                frames.CallSfuPublish()
                | frames.CallSfuSubscribe()
                | frames.CallSfuStart()
                | frames.CallSfuCandidate()
            ):
                await self._sfu_frame(frame, ref)
            case frames.CallLeave():
                await self._leave_sfu()
                await _leave(self.user, frame.call)
                await self.send_event(catalogue.CallDone(ref=ref, call=frame.call))
            case frames.CallDecline():
                await _decline(self.user, frame.call)
                await self.send_event(catalogue.CallDone(ref=ref, call=frame.call))
            case frames.CallIceServers():
                servers = await _ice_servers(self.user)
                await self.send_event(catalogue.CallIceServers(ref=ref, ice_servers=servers))

    async def _sfu_frame(
        self,
        frame: frames.CallSfuPublish
        | frames.CallSfuSubscribe
        | frames.CallSfuStart
        | frames.CallSfuCandidate,
        ref: catalogue.Ref,
    ) -> None:
        """SDP and candidates for the SFU, from the socket in an SFU call only."""
        candidate = isinstance(frame, frames.CallSfuCandidate)
        await acheck_rate("call_candidate" if candidate else "call_signal", self.channel_name)
        await _check_sfu(self.user.pk, self.channel_name, frame.call)
        if self.sfu is not None and self.sfu.call_id != frame.call:
            await self._leave_sfu()
        if self.sfu is None:
            self.sfu = SfuSession(frame.call, self.user.pk, self.user.name, self._send_later)
        match frame:
            case frames.CallSfuPublish():
                sdp = await self.sfu.publish(frame.sdp)
                await self.send_event(catalogue.CallSfuAnswer(ref=ref, call=frame.call, sdp=sdp))
            case frames.CallSfuSubscribe():
                sdp = await self.sfu.subscribe(frame.feeds)
                streams = self.sfu.streams
                offer = catalogue.CallSfuOffer(ref=ref, call=frame.call, sdp=sdp, streams=streams)
                await self.send_event(offer)
            case frames.CallSfuStart():
                await self.sfu.start(frame.sdp)
                await self.send_event(catalogue.CallDone(ref=ref, call=frame.call))
            case frames.CallSfuCandidate():
                await self.sfu.trickle(frame.candidate, frame.target)

    async def _send_later(self, event: catalogue.ServerEvent) -> None:
        """An SFU event, written in turn with the socket's other frames."""
        async with self.lock:
            await self.send_event(event)

    async def _leave_sfu(self) -> None:
        sfu, self.sfu = self.sfu, None
        if sfu is not None:
            await sfu.leave()

    async def _session(self, joined: Joined, ref: catalogue.Ref) -> None:
        self.in_call = True
        await self.send_event(
            catalogue.CallSession(
                ref=ref,
                call=joined.call,
                rejoined=joined.rejoined,
                heartbeat=settings.CALL_HEARTBEAT_SECONDS,
                grace=round(settings.CALL_GRACE_SECONDS),
                ice_servers=await _ice_servers(self.user),
            )
        )
        if joined.call["mode"] == "sfu":
            await self._join_sfu(joined.call["id"])

    async def _join_sfu(self, call_id: int) -> None:
        """In an SFU call: into its room at once, so that call.sfu.feeds comes. If the SFU
        is away, the client's first call.sfu.* frame tries again (and is told)."""
        await self._leave_sfu()
        self.sfu = SfuSession(call_id, self.user.pk, self.user.name, self._send_later)
        try:
            await self.sfu.join()
        except ParleyError:
            logger.warning("user %s not in the SFU room of call %s yet", self.user.pk, call_id)

    async def call_connected(self, ringing: list[catalogue.CallData]) -> None:
        """Right after hello: the calls ringing for the user (`ringing`, read with hello's
        state) ring on this socket too (a tab opened mid-ring can answer). Its user group
        was joined before that read, so a ring that starts meanwhile comes live as well (a
        page takes a call.ring twice alike)."""
        for call in ringing:
            await self.send_event(catalogue.CallRing(call=call))

    async def call_heartbeat(self) -> None:
        """On every ping: the socket's participant (if it is in a call) is alive."""
        if self.in_call:
            try:
                await _heartbeat(self.channel_name)
            except Exception:
                logger.exception("call heartbeat of user %s not recorded", self.user.pk)

    async def call_disconnected(self) -> None:
        """When the socket closes: its participant has the grace period to come back
        (its SFU session, if any, ends: a new socket publishes anew)."""
        try:
            await self._leave_sfu()
        except Exception:
            logger.exception("SFU session of user %s not ended", self.user.pk)
        if self.in_call:
            self.in_call = False
            try:
                await _socket_gone(self.channel_name)
            except Exception:
                # The sweep (parley.calls.actions.liveness.sweep_stale) lets them go later.
                logger.exception("call of user %s not told of a closed socket", self.user.pk)

    def call_wanted(self, event: dict[str, Any]) -> bool:
        """A "parley.socket" event is for this socket only."""
        return bool(event.get("socket") == self.channel_name)

    async def parley_socket(self, event: dict[str, Any]) -> None:
        """Signalling for this socket (from parley.events.publish.publish_to_socket)."""
        if self.call_wanted(event):
            await self.send(text_data=event["payload"])
