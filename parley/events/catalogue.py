"""Every event the server sends over the WebSocket, typed; docs/protocol.md is their prose.

An event is a msgspec Struct tagged by its "type", with no unknown fields. The shapes that
HTTP renders too (a user summary, a message, a conversation summary) are TypedDicts: dicts
at run time, so Django's JSON and templates take them as they are.

Production builds events from these types and encodes them once each (serialise), without
validating them: a Struct costs no more to build than a dict, and msgspec encodes it
faster than the standard library's json. Tests validate every event a test socket
receives against the catalogue (validate, as Zulip's verify_action does), and every
example in docs/protocol.md (parley/events/tests/test_docs.py): code and documentation
cannot drift apart unnoticed.
"""

from collections.abc import Mapping
from typing import Any, Literal, get_args

import msgspec
from msgspec import UNSET, UnsetType
from typing_extensions import TypedDict  # pydantic (the REST API) needs it before 3.12

from parley.core.errors import ErrorCode, ParleyError

Ref = str | int | None  # a client frame's "ref", echoed in the reply (null if none)
Status = Literal["online", "away", "offline"]  # a user's presence
Role = Literal["owner", "admin", "member"]  # a user's role in a room
TypingState = Literal["start", "stop"]
CallKind = Literal["voice", "video"]
CallMode = Literal["mesh", "sfu"]
CallStatus = Literal["ringing", "ongoing", "ended"]
CallEndReason = Literal["hangup", "timeout", "cancelled", "declined", "busy", "dropped"]
CallEntryStatus = Literal["ringing", "ongoing", "ended", "missed", "declined"]
CallLeftReason = Literal["hangup", "dropped", "removed"]
CallRemovedReason = Literal["removed", "blocked", "deactivated"]  # parley.core.access
RingStopReason = Literal["accepted", "declined", "timeout", "ended"]

# --- shapes shared with HTTP --------------------------------------------------------------


class UserSummary(TypedDict):
    id: int
    username: str
    name: str
    avatar: str | None  # the 64 px photo's URL
    bot: bool  # a bot user (its messages are a bot's)


class NamedUser(TypedDict):
    """Who wrote a quoted message, or who is typing."""

    id: int
    username: str
    name: str


class Reaction(TypedDict):
    emoji: str
    count: int
    users: list[int]
    names: list[str]  # of the first ten


class Quote(TypedDict):
    """The message a reply quotes."""

    id: int
    conversation: int
    seq: int
    sender: NamedUser
    excerpt: str
    deleted: bool


class MovedTo(TypedDict):
    conversation: int
    id: int
    seq: int
    title: str


class MovedFrom(TypedDict):
    conversation: int
    title: str


class Attachment(TypedDict):
    """A file in a message (parley/files): `url` downloads it; images also have
    `thumbnail_url` (a WebP, at most 400 px) and `view_url` (full size, inline), and
    their upright `width` and `height`."""

    id: int
    name: str
    type: str  # detected from the bytes: image/png, application/pdf, text/plain, …
    size: int  # bytes
    url: str
    thumbnail_url: str | None
    view_url: str | None
    width: int | None
    height: int | None


class CallEntry(TypedDict):
    """What a call's history entry (a message) says of the call."""

    id: int
    kind: CallKind
    status: CallEntryStatus
    started_at: str
    ended_at: str | None
    duration: int | None  # whole seconds from the first answer to the end
    end_reason: CallEndReason | None


class MessageData(TypedDict):
    """A message as clients see it: in events, history, search results and the API."""

    id: int
    conversation: int
    seq: int
    updated_seq: int
    sender: UserSummary
    client_id: str
    body: str
    html: str
    created_at: str
    edited_at: str | None
    edit_count: int
    deleted: bool
    reply_to: Quote | None
    mentions: list[int]
    reactions: list[Reaction]
    attachments: list[Attachment]
    moved_to: MovedTo | None
    moved_from: MovedFrom | None
    call: CallEntry | None  # on a call's history entry only


class Refusal(TypedDict):
    """A recipient a broadcast was not sent to, and why (docs/broadcasts.md)."""

    kind: Literal["person", "room", "members_of"]
    id: int  # the user's or the room's id, as it was asked for
    name: str  # empty when not found (or not yours to see)
    code: str  # an error code: not_found, forbidden, invalid
    reason: str


class RoomRef(TypedDict):
    id: int
    slug: str
    title: str
    archived: bool


class MemberRoom(RoomRef):
    private: bool  # only invited people join it
    role: Role | None  # the viewer's


class Preview(TypedDict):
    id: int
    sender: str
    sender_id: int
    text: str


class ConversationSummary(TypedDict):
    """A conversation as its member sees it, in hello and GET /api/v1/conversations."""

    id: int
    kind: Literal["chat", "direct", "group"]
    title: str
    chat: str | None
    description: str  # a chat's, as Markdown source ("" for others)
    room: MemberRoom | None
    people: list[UserSummary]
    last_seq: int
    last_read_seq: int
    unread: int
    mentions: int
    last_message_at: str | None
    preview: Preview | None  # the last message still there (not deleted or moved away)
    muted: bool  # your own marks (conversation.marked)
    starred: bool


class CallParticipant(TypedDict):
    user: UserSummary
    joined_at: str


class CallData(TypedDict):
    """A call as members of its conversation see it (events and GET /api/v1/calls)."""

    id: int
    conversation: int
    kind: CallKind
    mode: CallMode
    status: CallStatus
    started_by: UserSummary
    started_at: str
    answered_at: str | None
    ended_at: str | None
    end_reason: CallEndReason | None
    participants: list[CallParticipant]
    ringing: list[int]  # users whose devices ring now


class IceCandidate(TypedDict):
    """A WebRTC RTCIceCandidateInit, relayed as the client sent it (checked)."""

    candidate: str
    sdpMid: str | None
    sdpMLineIndex: int | None


# "from" is a keyword, hence the functional form.
FriendRequestData = TypedDict(
    "FriendRequestData", {"id": int, "from": UserSummary, "to": UserSummary}
)

# --- events -----------------------------------------------------------------------------


class Event(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="type"):
    """The base of every event: its "type" is the subclass's tag."""


# Sequenced: numbered in their conversation, replayed by resume (stream_after).


class _MessageEvent(Event):
    conversation: int
    seq: int
    message: MessageData


class Message(_MessageEvent, tag="message"):
    """A new message (or a moved one's copy)."""


class MessageEdited(_MessageEvent, tag="message.edited"):
    pass


class MessageDeleted(_MessageEvent, tag="message.deleted"):
    pass


class MessageMoved(_MessageEvent, tag="message.moved"):
    pass


class MessageReactions(_MessageEvent, tag="message.reactions"):
    emoji: str
    user: int
    on: bool


class _CallEntryEvent(_MessageEvent):
    """A change of a call's history entry (the message carries the whole entry)."""


class CallStarted(_CallEntryEvent, tag="call.started"):
    """A call began: its history entry is a new message."""


class CallJoined(_CallEntryEvent, tag="call.joined"):
    user: int


class CallLeft(_CallEntryEvent, tag="call.left"):
    user: int
    # Why they left: absent on entries recorded before reasons were (resume replays them).
    reason: CallLeftReason | UnsetType = UNSET


class CallEnded(_CallEntryEvent, tag="call.ended"):
    pass


class CallMissed(_CallEntryEvent, tag="call.missed"):
    pass


# To one user's sockets, or to every member's.


class MembershipChanged(Event, tag="membership.changed"):
    conversation: int
    change: Literal["joined", "left"]
    seq: int
    summary: ConversationSummary | UnsetType = UNSET  # on "joined"


class Read(Event, tag="read"):
    conversation: int
    seq: int
    unread: int
    mentions: int


class ConversationUpdated(Event, tag="conversation.updated"):
    conversation: int
    title: str
    chat: str | None
    description: str
    room: RoomRef | None


class ConversationMarked(Event, tag="conversation.marked"):
    conversation: int
    muted: bool
    starred: bool


class _FriendRequestEvent(Event):
    request: FriendRequestData


class FriendRequestReceived(_FriendRequestEvent, tag="friend.request_received"):
    pass


class FriendRequestCancelled(_FriendRequestEvent, tag="friend.request_cancelled"):
    pass


class FriendRequestDeclined(_FriendRequestEvent, tag="friend.request_declined"):
    pass


class FriendAdded(Event, tag="friend.added"):
    user: UserSummary


class FriendRemoved(Event, tag="friend.removed"):
    user: UserSummary


class InviteData(TypedDict):
    id: int
    room: RoomRef
    invited_by: UserSummary
    created_at: str  # ISO 8601


class InviteReceived(Event, tag="invite.received"):
    invite: InviteData


class InviteRemoved(Event, tag="invite.removed"):
    invite: int  # its id
    reason: Literal["accepted", "declined", "cancelled"]


class SessionEnded(Event, tag="session.ended"):
    pass


# Calls: to the members, the callees, or the one socket in the call.


class CallUpdated(Event, tag="call.updated"):
    call: CallData


class CallRing(Event, tag="call.ring"):
    call: CallData


class CallRingStopped(Event, tag="call.ring_stopped"):
    call: int
    reason: RingStopReason


class CallRemoved(Event, tag="call.removed"):
    """To a user taken out of a call because they lost access to its conversation: their
    pages end it (the others hear call.left, reason "removed")."""

    call: int
    reason: CallRemovedReason


class CallDeclined(Event, tag="call.declined"):
    call: int
    user: UserSummary


class CallBusy(Event, tag="call.busy"):
    call: int
    user: UserSummary


class CallOffer(Event, tag="call.offer"):
    call: int
    from_: int = msgspec.field(name="from")
    sdp: str
    restart: bool


class CallAnswer(Event, tag="call.answer"):
    call: int
    from_: int = msgspec.field(name="from")
    sdp: str


class CallCandidate(Event, tag="call.candidate"):
    call: int
    from_: int = msgspec.field(name="from")
    candidate: IceCandidate | None


class CallMedia(Event, tag="call.media"):
    """Another participant's media state (their call.media), to your socket in the call."""

    call: int
    user: int
    muted: bool
    camera: bool
    sharing: bool


class CallSfuFeeds(Event, tag="call.sfu.feeds"):
    """SFU calls: the users whose media the SFU carries now (subscribe to them)."""

    call: int
    feeds: list[int]


class SfuStream(TypedDict):
    """Whose media an m-line of the receiving connection carries."""

    mid: str
    user: int
    kind: str  # "audio" or "video"


class CallSfuOffer(Event, tag="call.sfu.offer"):
    """SFU calls: the SFU's offer for your receiving connection (answer: call.sfu.start);
    the reply to call.sfu.subscribe, or unasked when the SFU renegotiates (ref null)."""

    ref: Ref
    call: int
    sdp: str
    streams: list[SfuStream]


class CallSfuAnswer(Event, tag="call.sfu.answer"):
    """SFU calls: the SFU's answer to your call.sfu.publish offer."""

    ref: Ref
    call: int
    sdp: str


# Live only: never stored, never sequenced.


class Typing(Event, tag="typing"):
    conversation: int
    user: NamedUser
    state: TypingState
    expires_in: int


class Presence(Event, tag="presence"):
    user: int
    status: Status


# Answers to one socket.


class Hello(Event, tag="hello"):
    user: UserSummary
    conversations: list[ConversationSummary]
    heartbeat: int
    presence: dict[str, Status]


class Ack(Event, tag="ack"):
    ref: Ref
    client_id: str
    conversation: int
    id: int
    seq: int
    duplicate: bool


class Done(Event, tag="done"):
    ref: Ref
    message: int
    seq: int | None


class History(Event, tag="history"):
    ref: Ref
    conversation: int
    messages: list[MessageData]
    has_more: bool
    has_newer: bool
    last_seq: int
    last_read_seq: int


class Resumed(Event, tag="resumed"):
    ref: Ref
    conversations: dict[str, int]


class Gap(Event, tag="gap"):
    conversation: int
    from_: int = msgspec.field(name="from")
    to: int


class Pong(Event, tag="pong"):
    ref: Ref


class CallSession(Event, tag="call.session"):
    """You are in the call (the reply to call.start and call.join)."""

    ref: Ref
    call: CallData
    rejoined: bool
    heartbeat: int
    grace: int
    ice_servers: list[dict[str, Any]]


class CallDone(Event, tag="call.done"):
    ref: Ref
    call: int


class CallIceServers(Event, tag="call.ice_servers"):
    ref: Ref
    ice_servers: list[dict[str, Any]]


class Error(Event, tag="error"):
    """A refused frame. The optional fields are ParleyError's details."""

    ref: Ref
    code: ErrorCode
    message: str
    client_id: str | UnsetType = UNSET
    field: str | UnsetType = UNSET
    retry_after: float | UnsetType = UNSET
    conversation: int | UnsetType = UNSET
    limit: int | UnsetType = UNSET
    refused: list[Refusal] | UnsetType = UNSET  # a broadcast nobody could receive
    reason: str | UnsetType = UNSET  # which refusal of an upload (HTTP only: docs/files.md)
    call: int | UnsetType = UNSET


CallEntryEvent = CallStarted | CallJoined | CallLeft | CallEnded | CallMissed
SequencedEvent = (
    Message | MessageEdited | MessageDeleted | MessageMoved | MessageReactions | CallEntryEvent
)
CallEvent = (
    CallUpdated
    | CallRing
    | CallRingStopped
    | CallRemoved
    | CallDeclined
    | CallBusy
    | CallOffer
    | CallAnswer
    | CallCandidate
    | CallMedia
    | CallSession
    | CallDone
    | CallIceServers
    | CallSfuFeeds
    | CallSfuOffer
    | CallSfuAnswer
)
FriendRequestEvent = FriendRequestReceived | FriendRequestCancelled | FriendRequestDeclined
ServerEvent = (
    SequencedEvent
    | MembershipChanged
    | Read
    | ConversationUpdated
    | ConversationMarked
    | FriendRequestEvent
    | FriendAdded
    | FriendRemoved
    | InviteReceived
    | InviteRemoved
    | SessionEnded
    | Typing
    | Presence
    | Hello
    | Ack
    | Done
    | History
    | Resumed
    | Gap
    | Pong
    | Error
    | CallEvent
)
# Every event type, by its "type".
EVENTS: dict[str, type[Event]] = {
    str(cls.__struct_config__.tag): cls for cls in get_args(ServerEvent)
}


def error_event(error: ParleyError, ref: Ref, client_id: str | None = None) -> Error:
    """The error event for a refused frame: the error's details are the event's optional
    fields (parley/events/tests/test_catalogue.py checks every detail raised anywhere)."""
    return Error(
        ref=ref,
        code=error.code,
        message=error.message,
        client_id=UNSET if client_id is None else client_id,
        **error.details,
    )


_encoder = msgspec.json.Encoder(enc_hook=str)  # like json.dumps(default=str)


def serialise(event: ServerEvent | Mapping[str, Any]) -> str:
    """An event as its JSON text: once per event, however many sockets it goes to."""
    return _encoder.encode(event).decode()


def validate(event: Mapping[str, Any]) -> ServerEvent:
    """The event, as a client decoded it, checked against the catalogue; raises
    msgspec.ValidationError naming what does not fit (for tests: production builds events
    from these types and does not check them again)."""
    typed: ServerEvent = validate_as(event, ServerEvent)
    return typed


def validate_as(value: Any, shape: Any) -> Any:
    """`value` (decoded JSON) checked against `shape`, any type of the catalogue's: no
    field missing, none unknown, each of its type."""
    typed = msgspec.convert(value, shape)
    # A TypedDict drops unknown keys rather than refusing them: the round trip finds them.
    extra = _unknown(value, msgspec.to_builtins(typed))
    if extra is not None:
        raise msgspec.ValidationError(f"Object contains unknown field `{extra}`")
    return typed


def _unknown(value: Any, known: Any, path: str = "$") -> str | None:
    """The path of the first key of `value` that `known` (its validated copy) lacks."""
    if isinstance(value, Mapping) and isinstance(known, Mapping):
        for key, item in value.items():
            if key not in known:
                return f"{path}.{key}"
            found = _unknown(item, known[key], f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list) and isinstance(known, list):
        for index, (item, kept) in enumerate(zip(value, known, strict=False)):
            found = _unknown(item, kept, f"{path}[{index}]")
            if found is not None:
                return found
    return None
