"""Client frames: parsed and validated here, at the boundary, into typed values.

Every frame is a JSON object with a "type"; an optional "ref" (string or number up to
64 characters) is echoed in the reply so a client can match answers to requests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import INT64_MAX, ascii_int, loads_strict, text_problem


def _invalid(message: str) -> ParleyError:
    return ParleyError(ErrorCode.INVALID, message)


@dataclass(frozen=True)
class Send:
    client_id: str
    body: str
    conversation: int | None
    user: int | None
    reply_to: int | None = None


@dataclass(frozen=True)
class Edit:
    message: int
    body: str


@dataclass(frozen=True)
class Delete:
    message: int


@dataclass(frozen=True)
class React:
    message: int
    emoji: str
    on: bool


@dataclass(frozen=True)
class Move:
    message: int
    to: int


@dataclass(frozen=True)
class Read:
    conversation: int
    seq: int


@dataclass(frozen=True)
class Resume:
    conversations: dict[int, int]


@dataclass(frozen=True)
class History:
    conversation: int
    before: int | None
    after: int | None
    limit: int


@dataclass(frozen=True)
class Ping:
    pass


Frame = Send | Read | Resume | History | Ping | Edit | Delete | React | Move


def decode(text: str) -> dict[str, Any]:
    """Size, nesting and JSON checks (parley.core.validation.loads_strict: no NaN, numbers
    within 64 bits, no key twice, text a column can hold); returns the frame object."""
    data = loads_strict(
        text,
        max_bytes=settings.WEBSOCKET_MAX_FRAME_BYTES,
        max_depth=settings.WEBSOCKET_MAX_JSON_DEPTH,
    )
    if not isinstance(data, dict):
        raise _invalid("A frame must be a JSON object.")
    return data


def _int(data: dict[str, Any], key: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _invalid(f'"{key}" must be a whole number of at least {minimum}.')
    if value > INT64_MAX:
        raise _invalid(f'"{key}" is too large.')
    return value


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _invalid(f'"{key}" must be a string.')
    return value


def _parse_send(data: dict[str, Any]) -> Send:
    conversation = _int(data, "conversation", required=False, minimum=1)
    user = _int(data, "user", required=False, minimum=1)
    if (conversation is None) == (user is None):
        raise _invalid('A send names either "conversation" or "user".')
    reply_to = _int(data, "reply_to", required=False, minimum=1)
    return Send(_str(data, "client_id"), _str(data, "body"), conversation, user, reply_to)


def _message_id(data: dict[str, Any]) -> int:
    return _int(data, "message", minimum=1)  # type: ignore[return-value]


def _parse_react(data: dict[str, Any]) -> React:
    on = data.get("on", True)
    if not isinstance(on, bool):
        raise _invalid('"on" must be true (add the reaction) or false (remove it).')
    return React(_message_id(data), _str(data, "emoji"), on)


def _parse_read(data: dict[str, Any]) -> Read:
    return Read(_int(data, "conversation", minimum=1), _int(data, "seq"))  # type: ignore[arg-type]


def _parse_resume(data: dict[str, Any]) -> Resume:
    raw = data.get("conversations")
    if not isinstance(raw, dict) or len(raw) > 10_000:
        raise _invalid('"conversations" must be an object of conversation id to last seq.')
    parsed: dict[int, int] = {}
    for key, seq in raw.items():
        conversation = ascii_int(key, "conversations", minimum=1)
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= INT64_MAX:
            raise _invalid('"conversations" must map conversation ids to seqs (0 or more).')
        parsed[conversation] = seq
    return Resume(parsed)


def _parse_history(data: dict[str, Any]) -> History:
    before = _int(data, "before", required=False)
    after = _int(data, "after", required=False)
    if before is not None and after is not None:
        raise _invalid('Page "before" or "after" a seq, not both.')
    limit = _int(data, "limit", required=False, minimum=1) or 50
    return History(_int(data, "conversation", minimum=1), before, after, min(limit, 100))  # type: ignore[arg-type]


_PARSERS: dict[str, Callable[[dict[str, Any]], Frame]] = {
    "send": _parse_send,
    "read": _parse_read,
    "resume": _parse_resume,
    "history": _parse_history,
    "ping": lambda data: Ping(),
    "edit": lambda data: Edit(_message_id(data), _str(data, "body")),
    "delete": lambda data: Delete(_message_id(data)),
    "react": _parse_react,
    "move": lambda data: Move(_message_id(data), _int(data, "to", minimum=1)),  # type: ignore[arg-type]
}


def parse(data: dict[str, Any]) -> Frame:
    """A validated frame, or ParleyError(invalid) saying what is wrong."""
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise _invalid(f"Unknown frame type {str(kind)[:40]!r}.")
    return parser(data)


def ref_of(data: dict[str, Any] | None) -> str | int | None:
    """The frame's "ref" as it may be echoed: a string of at most 64 characters that a
    client can read back (decode already refused unstorable text), or a 64-bit number."""
    ref = (data or {}).get("ref")
    if isinstance(ref, int) and not isinstance(ref, bool) and abs(ref) <= INT64_MAX:
        return ref
    if isinstance(ref, str) and len(ref) <= 64 and text_problem(ref) is None:
        return ref
    return None
