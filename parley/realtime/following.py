"""Which conversations a socket follows, and how it catches up on them: what makes each
socket get every event of its conversations once and in order, whatever the channel layer
drops, repeats or reorders.

Contract (the owner, ParleyConsumer, calls these and Channels calls the handlers, each
under the socket's lock; parley/realtime/stream.py keeps the seqs, this module acts on them):
- Connect: `open_following` counts the socket in the process's Fanout
  (parley/realtime/fanout.py) and follows the user's own group; `follow` joins the
  conversations' groups before the owner reads their state, so that nothing committed in
  between is lost; `follow_from` starts each at hello's last_seq; `hold` starts the clock on
  the hold after hello. `close_following` lets all of it go.
- The hold: until the client's first frame live events are only noted. `resume` answers a
  resume frame: per conversation, what is newer than the client's seq from the database (a
  `gap` instead past RESUME_MAX_MESSAGES, a refusal for a conversation not followed or a seq
  past its end), then `resumed`, then the hold ends. Any other frame ends it first
  (`end_hold`), and so does HOLD_SECONDS of silence; ending it fills each conversation that
  had live events meanwhile from the database.
- A resume that comes after the hold ended (a slow network, or a loaded server) is measured
  against hello's seqs (`hello_seqs`, kept until the first resume): what the client lacks
  from before hello is replayed if nothing was written live since, and is a `gap` if
  something was (a replay then would come out of order); what came after hello was written
  live, so it is never replayed twice.
- Live: "parley.sequenced" is written after what is missing before it is filled from the
  database; "parley.membership" follows or drops a conversation at once.
- Repair: "parley.resync" (from the Fanout) fills what the socket is behind on and, given the
  user's conversations (or after an outage, reading them itself, the login session checked
  first), follows exactly those, telling the client of each change as the lost joined or
  left event would have. A fill that finds the user gone stops following and says "left".
Reads go through parley/realtime/reads.py; settings are read when used.
"""

import asyncio
from typing import TYPE_CHECKING, Any

from django.conf import settings

from parley.core.errors import ErrorCode, ParleyError
from parley.events import catalogue
from parley.events.catalogue import serialise
from parley.events.groups import conversation_group, user_group
from parley.messaging.events import membership_event
from parley.realtime import reads, signin
from parley.realtime.fanout import fanout
from parley.realtime.outbox import Outbox

# A client that sends nothing after hello gets its held live events after this long
# (docs/protocol.md). Long enough that a resume delayed by a slow network or a loaded
# server still comes within the hold; one that does not is handled in `_resume_late`.
HOLD_SECONDS = 10.0


class Following(Outbox):
    if TYPE_CHECKING:
        scope: dict[str, Any]

        def deliver(self, message: dict[str, Any]) -> None: ...

        async def liveness_joined(self, conversation_id: int) -> None: ...

        async def liveness_left(self, conversation_id: int) -> None: ...

        async def liveness_resync(self) -> None: ...

    def __init__(self) -> None:
        """Not in the Fanout yet, following nothing, no hold timer."""
        super().__init__()
        self.opened = False  # counted among the Fanout's sockets
        self.joined: set[str] = set()  # the Fanout's groups this socket is in
        self._release_timer: asyncio.TimerHandle | None = None
        # Per conversation, the seq from which this socket writes live: hello's (or the
        # joined event's). Kept until the first resume, for one that comes late.
        self.hello_seqs: dict[int, int] | None = None

    # --- the owner's calls ------------------------------------------------------------

    async def open_following(self, user_id: int) -> None:
        """Count the socket in the process's Fanout and follow the user's own group."""
        await fanout().open()
        self.opened = True
        await self._join(user_group(user_id))

    async def follow(self, conversation_ids: list[int]) -> None:
        """Join these conversations' groups (before reading their seqs)."""
        for conversation_id in conversation_ids:
            await self._join(conversation_group(conversation_id))

    def follow_from(self, summaries: list[dict[str, Any]]) -> None:
        """Follow exactly the summaries' conversations, each from its `last_seq`."""
        self.delivered = {s["id"]: s["last_seq"] for s in summaries}
        self.hello_seqs = dict(self.delivered)

    def hold(self) -> None:
        """After hello: end the hold in HOLD_SECONDS unless a frame ends it first (through
        the inbox, so that it runs in turn with other events)."""
        self._release_timer = asyncio.get_running_loop().call_later(
            HOLD_SECONDS, self.deliver, {"type": "parley.release"}
        )

    async def resume(self, seen: dict[int, int], ref: str | int | None) -> None:
        """Replay what is newer than the client's seqs, or say where it must page instead;
        answer `resumed`, then end the hold."""
        resumed: dict[str, int] = {}
        for conversation_id, seq in seen.items():
            from_seq = await self._resume(conversation_id, seq, ref)
            if from_seq is not None:
                resumed[str(conversation_id)] = from_seq
        await self.send_event(catalogue.Resumed(ref=ref, conversations=resumed))
        self.hello_seqs = None  # a later resume is answered from `delivered` alone
        await self.end_hold()

    async def end_hold(self) -> None:
        """Send what arrived during the hold, from the database, in order (once)."""
        held = self.release()
        if held is None:
            return
        if self._release_timer is not None:
            self._release_timer.cancel()
            self._release_timer = None
        for conversation_id in held:
            if conversation_id in self.delivered:
                await self._fill(conversation_id, self.delivered[conversation_id])

    async def close_following(self) -> None:
        """The socket closed: no hold timer, out of the Fanout and its groups."""
        if self._release_timer is not None:
            self._release_timer.cancel()
        if self.opened:
            await fanout().close(self, self.joined)

    # --- events from the channel layer (see parley/events/publish.py) -------------

    async def parley_sequenced(self, event: dict[str, Any]) -> None:
        """A conversation event numbered `seq`: drop repeats, fill gaps, keep order."""
        conversation_id, seq = event["conversation"], event["seq"]
        delivered = self.live(conversation_id, seq)
        if delivered is None:
            return
        if seq > delivered + 1:
            await self._fill(conversation_id, delivered, until=seq - 1)
        await self.write_text(event["payload"])
        self.delivered[conversation_id] = seq

    async def parley_membership(self, event: dict[str, Any]) -> None:
        """This user joined or left a conversation: follow or drop its stream at once."""
        conversation_id = event["conversation"]
        if event["change"] == "joined":
            await self._join(conversation_group(conversation_id))
            if conversation_id not in self.delivered:
                self.delivered[conversation_id] = event["seq"]
                self._started_at(conversation_id, event["seq"])
            await self.write_text(event["payload"])
            await self._fill(conversation_id, self.delivered[conversation_id])
            await self.liveness_joined(conversation_id)
        else:
            await self._forget(conversation_id)
            await self.write_text(event["payload"])

    async def parley_release(self, event: dict[str, Any]) -> None:
        """The hold after hello timed out without a frame from the client."""
        await self.end_hold()

    async def parley_resync(self, event: dict[str, Any]) -> None:
        """From the Fanout: the database's seqs of conversations this socket follows; fill
        any it is behind on (events missed while Redis was away, or a gap fill that
        failed). When the user's membership stamp changed, it also carries the user's
        conversations: follow exactly those, should a joined or left event have been lost.
        After an outage (`fresh`), first check that the login session is still valid and
        read the user's conversations here: the events that would have said otherwise may
        have been lost with Redis."""
        conversations = event.get("conversations")
        if event.get("fresh"):
            conversations = await reads.membership(self.user, self.scope)
            if conversations is None:
                await self.send_event(catalogue.SessionEnded())
                await self.close(code=signin.CLOSE_UNAUTHENTICATED)
                return
            await self.liveness_resync()
        if conversations is not None:
            await self._follow_only(conversations, read_now=bool(event.get("fresh")))
        seqs = event["seqs"]
        for conversation_id, delivered in self.behind(seqs):
            await self._fill(conversation_id, delivered, until=seqs[conversation_id])

    # --- the mechanism --------------------------------------------------------------

    async def _resume(self, conversation_id: int, seq: int, ref: str | int | None) -> int | None:
        """Resume one conversation from the client's `seq`: the seq it now stands at, or
        None if refused (an error about it, and the frame goes on with the others)."""
        if conversation_id not in self.delivered:
            message = "That conversation was not found."
            await self._refuse(ErrorCode.NOT_FOUND, message, conversation_id, ref)
            return None
        if seq >= self.delivered[conversation_id]:
            # Nothing older than hello's state is owed, so no query (a storm of reconnects
            # is mostly this); what came since hello is held and sent on release. A seq past
            # the conversation's end would mute it: refused.
            ahead = seq > self.delivered[conversation_id]
            if ahead and seq > await reads.last_seq(conversation_id):
                message = "That seq is past the conversation's end."
                await self._refuse(ErrorCode.INVALID, message, conversation_id, ref)
                return None
            self.delivered[conversation_id] = seq
            return seq
        if not self.holding:
            late = await self._resume_late(conversation_id, seq)
            if late is not None:
                return late
        # Up to hello's seq: what came since is held, and filled on release.
        until = self.delivered[conversation_id]
        missed = await reads.after(conversation_id, seq, until)
        if len(missed) >= settings.RESUME_MAX_MESSAGES:
            await self.send_event(catalogue.Gap(conversation=conversation_id, from_=seq, to=until))
        else:
            for _, event in missed:
                await self.write_text(serialise(event))
        return until

    async def _resume_late(self, conversation_id: int, seq: int) -> int | None:
        """A resume behind what this socket wrote, after the hold ended: everything after
        hello's seq went out live, so only what is older may be owed. None: nothing was
        written live yet, and the usual replay is in order."""
        delivered = self.delivered[conversation_id]
        start = (self.hello_seqs or {}).get(conversation_id)
        if start is not None and seq >= start:
            return delivered  # the client lacks nothing: the rest came live
        if start is not None and delivered == start:
            return None
        # Older events owed, newer ones already written: a replay would come out of order.
        await self.send_event(catalogue.Gap(conversation=conversation_id, from_=seq, to=delivered))
        return delivered

    def _started_at(self, conversation_id: int, seq: int) -> None:
        """A conversation followed after hello: live from `seq`, as if hello had said so."""
        if self.hello_seqs is not None:
            self.hello_seqs[conversation_id] = seq

    async def _follow_only(self, conversations: list[int], *, read_now: bool) -> None:
        """Follow the user's `conversations` and no others, telling the client of each
        change as the lost joined or left event would have. Unless the list was read just
        now, what differs is read again first: an event handled since the Fanout read it
        may be newer. A conversation found this way is followed from its current seq, as
        after hello (what came before is history)."""
        followed, listed = set(self.delivered), set(conversations)
        gone, new = sorted(followed - listed), sorted(listed - followed)
        if gone and not read_now:
            still = await reads.still_member_of(self.user.pk, gone)
            gone = [conversation_id for conversation_id in gone if conversation_id not in still]
        for conversation_id in gone:
            await self._forget(conversation_id, tell=True)
        if not new:
            return
        await self.follow(new)  # before reading, so that nothing committed meanwhile is lost
        summaries = await reads.summaries_of(self.user, new)
        for conversation_id in set(new) - {summary["id"] for summary in summaries}:
            await self._forget(conversation_id)  # left again meanwhile
        for summary in summaries:
            conversation_id, seq = summary["id"], summary["last_seq"]
            self.delivered[conversation_id] = seq
            self._started_at(conversation_id, seq)
            await self.send_event(membership_event(conversation_id, "joined", seq, summary))
            await self.liveness_joined(conversation_id)

    async def _fill(self, conversation_id: int, after: int, until: int | None = None) -> None:
        """Send what the socket missed of a conversation, from the database, a page of
        RESUME_MAX_MESSAGES at a time until none is left (every lost event is owed: a
        live event's fill has no `gap` to offer); if the user is no longer in it (the
        event saying so was lost), stop following it instead."""
        while True:
            missed = await reads.missed(self.user.pk, conversation_id, after, until)
            if missed is None:
                await self._forget(conversation_id, tell=True)
                return
            for seq, event in missed:
                await self.write_text(serialise(event))
                self.delivered[conversation_id] = after = seq
            if len(missed) < settings.RESUME_MAX_MESSAGES:
                return

    async def _forget(self, conversation_id: int, *, tell: bool = False) -> None:
        """Stop following a conversation the user left (or was removed from). `tell`: a
        repair found it, not the left event; if the socket was following it, say so to the
        client as that event would have."""
        followed = self.forget(conversation_id)
        group = conversation_group(conversation_id)
        if group in self.joined:
            self.joined.discard(group)
            await fanout().leave(group, self)
        await self.liveness_left(conversation_id)
        if tell and followed:
            await self.send_event(membership_event(conversation_id, "left", 0))

    async def _join(self, group: str) -> None:
        if group not in self.joined:
            self.joined.add(group)
            await fanout().join(group, self)

    async def _refuse(
        self, code: ErrorCode, message: str, conversation_id: int, ref: str | int | None
    ) -> None:
        """An error about one conversation of a frame that goes on with the others."""
        error = ParleyError(code, message, conversation=conversation_id)
        await self.send_event(catalogue.error_event(error, ref))
