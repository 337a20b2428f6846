"""Every frame a client may send over the WebSocket, typed, and its parser.

A frame is a JSON object with a "type" (the Struct's tag); an optional "ref" (a string or
number up to 64 characters) is echoed in the reply, so a client can match answers to
requests. parse() turns a decoded frame (parley.realtime.protocol.decode: size, depth and
JSON checks) into one of these values, or refuses it with ParleyError(invalid) saying
what is wrong; what it returns is trusted inside. docs/protocol.md describes each frame.
"""

from collections.abc import Callable
from typing import Any, Literal, get_args

import msgspec
from django.conf import settings

from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import INT64_MAX, ascii_int, invalid
from parley.events.catalogue import CallKind, IceCandidate, TypingState

PresenceState = Literal["active", "idle"]
PRESENCE_STATES: tuple[PresenceState, ...] = get_args(PresenceState)
TYPING_STATES: tuple[TypingState, ...] = get_args(TypingState)
CALL_KINDS: tuple[CallKind, ...] = get_args(CallKind)
CANDIDATE_MAX_CHARS = 1024


class Frame(msgspec.Struct, tag_field="type"):
    """The base of every frame: its "type" is the subclass's tag."""


class Send(Frame, tag="send"):
    client_id: str
    body: str
    conversation: int | None  # either a conversation…
    user: int | None  # …or a user, for their direct conversation
    reply_to: int | None = None
    attachments: tuple[int, ...] = ()  # ids of uploads (POST …/attachments)


class Edit(Frame, tag="edit"):
    message: int
    body: str


class Delete(Frame, tag="delete"):
    message: int


class React(Frame, tag="react"):
    message: int
    emoji: str
    on: bool


class Move(Frame, tag="move"):
    message: int
    to: int


class Read(Frame, tag="read"):
    conversation: int
    seq: int


class Resume(Frame, tag="resume"):
    conversations: dict[int, int]  # conversation id to the last seq the client saw


class History(Frame, tag="history"):
    conversation: int
    before: int | None
    after: int | None
    limit: int


class Ping(Frame, tag="ping"):
    pass


class Typing(Frame, tag="typing"):
    conversation: int
    state: TypingState


class Presence(Frame, tag="presence"):
    state: PresenceState


class CallStart(Frame, tag="call.start"):
    conversation: int
    kind: CallKind


class CallJoin(Frame, tag="call.join"):
    call: int


class CallDecline(Frame, tag="call.decline"):
    call: int


class CallLeave(Frame, tag="call.leave"):
    call: int


class CallOffer(Frame, tag="call.offer"):
    call: int
    to: int
    sdp: str
    restart: bool


class CallAnswer(Frame, tag="call.answer"):
    call: int
    to: int
    sdp: str


class CallCandidate(Frame, tag="call.candidate"):
    call: int
    to: int
    candidate: IceCandidate | None


class CallIceServers(Frame, tag="call.ice_servers"):
    pass


class CallMedia(Frame, tag="call.media"):
    """What your media does now, for the other participants' tiles (SFU calls: a mesh
    call says it peer to peer)."""

    call: int
    muted: bool
    camera: bool
    sharing: bool


class CallSfuPublish(Frame, tag="call.sfu.publish"):
    call: int
    sdp: str


class CallSfuSubscribe(Frame, tag="call.sfu.subscribe"):
    call: int
    feeds: list[int]


class CallSfuStart(Frame, tag="call.sfu.start"):
    call: int
    sdp: str


class CallSfuCandidate(Frame, tag="call.sfu.candidate"):
    call: int
    target: Literal["publisher", "subscriber"]
    candidate: IceCandidate | None


ClientFrame = (
    Send
    | Edit
    | Delete
    | React
    | Move
    | Read
    | Resume
    | History
    | Ping
    | Typing
    | Presence
    | CallStart
    | CallJoin
    | CallDecline
    | CallLeave
    | CallOffer
    | CallAnswer
    | CallCandidate
    | CallIceServers
    | CallMedia
    | CallSfuPublish
    | CallSfuSubscribe
    | CallSfuStart
    | CallSfuCandidate
)
# Typing and presence: live only, handled apart (parley.realtime.liveness).
LIVENESS = (Typing, Presence)


def _int(data: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid(f'"{key}" must be a whole number of at least {minimum}.')
    if value > INT64_MAX:
        raise invalid(f'"{key}" is too large.')
    return value


def _optional_int(data: dict[str, Any], key: str, *, minimum: int = 0) -> int | None:
    return None if data.get(key) is None else _int(data, key, minimum=minimum)


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise invalid(f'"{key}" must be a string.')
    return value


def _parse_send(data: dict[str, Any]) -> Send:
    conversation = _optional_int(data, "conversation", minimum=1)
    user = _optional_int(data, "user", minimum=1)
    if (conversation is None) == (user is None):
        raise invalid('A send names either "conversation" or "user".')
    reply_to = _optional_int(data, "reply_to", minimum=1)
    attachments = _ids(data, "attachments")
    return Send(
        _str(data, "client_id"), _str(data, "body"), conversation, user, reply_to, attachments
    )


def _ids(data: dict[str, Any], key: str, *, most: int = 100) -> tuple[int, ...]:
    """An optional list of ids (absent or null: none)."""
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > most:
        raise invalid(f'"{key}" must be a list of at most {most} ids.')
    return tuple(_int({key: item}, key, minimum=1) for item in value)


def _parse_react(data: dict[str, Any]) -> React:
    on = data.get("on", True)
    if not isinstance(on, bool):
        raise invalid('"on" must be true (add the reaction) or false (remove it).')
    return React(_int(data, "message", minimum=1), _str(data, "emoji"), on)


def _parse_resume(data: dict[str, Any]) -> Resume:
    raw = data.get("conversations")
    if not isinstance(raw, dict) or len(raw) > 10_000:
        raise invalid('"conversations" must be an object of conversation id to last seq.')
    parsed: dict[int, int] = {}
    for key, seq in raw.items():
        conversation = ascii_int(key, "conversations", minimum=1)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= INT64_MAX:
            raise invalid('"conversations" must map conversation ids to seqs (0 or more).')
        parsed[conversation] = seq
    return Resume(parsed)


def _parse_history(data: dict[str, Any]) -> History:
    before = _optional_int(data, "before")
    after = _optional_int(data, "after")
    if before is not None and after is not None:
        raise invalid('Page "before" or "after" a seq, not both.')
    limit = _optional_int(data, "limit", minimum=1) or 50
    return History(_int(data, "conversation", minimum=1), before, after, min(limit, 100))


def _parse_typing(data: dict[str, Any]) -> Typing:
    conversation = _int(data, "conversation", minimum=1)
    state = data.get("state")
    if state not in TYPING_STATES:
        raise invalid('"state" must be "start" or "stop".')
    return Typing(conversation, state)


def _parse_presence(data: dict[str, Any]) -> Presence:
    state = data.get("state")
    if state not in PRESENCE_STATES:
        raise invalid('"state" must be "active" or "idle".')
    return Presence(state)


# --- calls ---------------------------------------------------------------------------


def _only(data: dict[str, Any], *keys: str) -> None:
    """Signalling is relayed to another browser: no field but those documented."""
    extra = set(data) - {"type", "ref", *keys}
    if extra:
        raise invalid(f"Unknown field {sorted(extra)[0][:40]!r}.")


def _sdp(data: dict[str, Any]) -> str:
    sdp = _str(data, "sdp")
    limit: int = settings.CALL_SDP_MAX_CHARS
    if not sdp:
        raise invalid('"sdp" must not be empty.')
    if len(sdp) > limit:
        raise ParleyError(
            ErrorCode.TOO_LARGE, f"An SDP may have at most {limit} characters.", field="sdp"
        )
    return sdp


def _parse_call_start(data: dict[str, Any]) -> CallStart:
    kind = data.get("kind", "video")
    if kind not in CALL_KINDS:
        raise invalid('"kind" must be "voice" or "video".')
    return CallStart(_int(data, "conversation", minimum=1), kind)


def _parse_call_offer(data: dict[str, Any]) -> CallOffer:
    _only(data, "call", "to", "sdp", "restart")
    restart = data.get("restart", False)
    if not isinstance(restart, bool):
        raise invalid('"restart" must be true or false.')
    call, to = _int(data, "call", minimum=1), _int(data, "to", minimum=1)
    return CallOffer(call, to, _sdp(data), restart)


def _parse_call_answer(data: dict[str, Any]) -> CallAnswer:
    _only(data, "call", "to", "sdp")
    return CallAnswer(_int(data, "call", minimum=1), _int(data, "to", minimum=1), _sdp(data))


def _parse_candidate(raw: Any) -> IceCandidate | None:
    if raw is None:
        return None  # the end of candidates
    if not isinstance(raw, dict) or set(raw) - {"candidate", "sdpMid", "sdpMLineIndex"}:
        raise invalid('"candidate" must be {"candidate", "sdpMid", "sdpMLineIndex"} or null.')
    text, mid, index = raw.get("candidate"), raw.get("sdpMid"), raw.get("sdpMLineIndex")
    if not isinstance(text, str):
        raise invalid('"candidate.candidate" must be a string.')
    if len(text) > CANDIDATE_MAX_CHARS or (isinstance(mid, str) and len(mid) > 64):
        raise ParleyError(ErrorCode.TOO_LARGE, "That ICE candidate is too long.", field="candidate")
    if mid is not None and not isinstance(mid, str):
        raise invalid('"candidate.sdpMid" must be a string or null.')
    if index is not None and (
        isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 255
    ):
        raise invalid('"candidate.sdpMLineIndex" must be 0-255 or null.')
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}


def _parse_call_candidate(data: dict[str, Any]) -> CallCandidate:
    _only(data, "call", "to", "candidate")
    if "candidate" not in data:
        raise invalid('"candidate" is required (null for the end of candidates).')
    candidate = _parse_candidate(data["candidate"])
    return CallCandidate(_int(data, "call", minimum=1), _int(data, "to", minimum=1), candidate)


def _parse_call_media(data: dict[str, Any]) -> CallMedia:
    _only(data, "call", "muted", "camera", "sharing")
    flags = [data.get(key, False) for key in ("muted", "camera", "sharing")]
    if not all(isinstance(flag, bool) for flag in flags):
        raise invalid('"muted", "camera" and "sharing" must be true or false.')
    return CallMedia(_int(data, "call", minimum=1), *flags)


def _parse_sfu_subscribe(data: dict[str, Any]) -> CallSfuSubscribe:
    _only(data, "call", "feeds")
    feeds = data.get("feeds")
    if not isinstance(feeds, list) or not 1 <= len(feeds) <= 100:
        raise invalid('"feeds" must be a list of 1-100 user ids.')
    ids = [_int({"feeds": f}, "feeds", minimum=1) for f in feeds]
    return CallSfuSubscribe(_int(data, "call", minimum=1), sorted(set(ids)))


def _parse_sfu_candidate(data: dict[str, Any]) -> CallSfuCandidate:
    _only(data, "call", "target", "candidate")
    target = data.get("target")
    if target not in ("publisher", "subscriber"):
        raise invalid('"target" must be "publisher" or "subscriber".')
    if "candidate" not in data:
        raise invalid('"candidate" is required (null for the end of candidates).')
    candidate = _parse_candidate(data["candidate"])
    return CallSfuCandidate(_int(data, "call", minimum=1), target, candidate)


def _parse_sfu_sdp(kind: type[CallSfuPublish] | type[CallSfuStart]) -> Callable[..., ClientFrame]:
    def parse(data: dict[str, Any]) -> ClientFrame:
        _only(data, "call", "sdp")
        return kind(_int(data, "call", minimum=1), _sdp(data))

    return parse


_PARSERS: dict[type[Frame], Callable[[dict[str, Any]], ClientFrame]] = {
    Send: _parse_send,
    Edit: lambda data: Edit(_int(data, "message", minimum=1), _str(data, "body")),
    Delete: lambda data: Delete(_int(data, "message", minimum=1)),
    React: _parse_react,
    Move: lambda data: Move(_int(data, "message", minimum=1), _int(data, "to", minimum=1)),
    Read: lambda data: Read(_int(data, "conversation", minimum=1), _int(data, "seq")),
    Resume: _parse_resume,
    History: _parse_history,
    Ping: lambda data: Ping(),
    Typing: _parse_typing,
    Presence: _parse_presence,
    CallStart: _parse_call_start,
    CallJoin: lambda data: CallJoin(_int(data, "call", minimum=1)),
    CallDecline: lambda data: CallDecline(_int(data, "call", minimum=1)),
    CallLeave: lambda data: CallLeave(_int(data, "call", minimum=1)),
    CallOffer: _parse_call_offer,
    CallAnswer: _parse_call_answer,
    CallCandidate: _parse_call_candidate,
    CallIceServers: lambda data: CallIceServers(),
    CallMedia: _parse_call_media,
    CallSfuPublish: _parse_sfu_sdp(CallSfuPublish),
    CallSfuSubscribe: _parse_sfu_subscribe,
    CallSfuStart: _parse_sfu_sdp(CallSfuStart),
    CallSfuCandidate: _parse_sfu_candidate,
}
# Every frame type, by its "type".
FRAMES: dict[str, Callable[[dict[str, Any]], ClientFrame]] = {
    str(cls.__struct_config__.tag): parser for cls, parser in _PARSERS.items()
}


def parse(data: dict[str, Any]) -> ClientFrame:
    """A validated frame, or ParleyError(invalid) saying what is wrong."""
    kind = data.get("type")
    parser = FRAMES.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise invalid(f"Unknown frame type {str(kind)[:40]!r}.")
    return parser(data)
