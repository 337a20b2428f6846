"""The socket's side of client frames: a text frame to a JSON object, and its "ref".

decode() applies the transport's limits (size, nesting, strict JSON); parsing the object
into a typed frame is parley.events.frames.parse, which also lists every frame.
"""

from typing import Any

from django.conf import settings

from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import INT64_MAX, loads_strict, text_problem


def decode(text: str) -> dict[str, Any]:
    """Size, nesting and JSON checks (parley.core.validation.loads_strict: no NaN, numbers
    within 64 bits, no key twice, text a column can hold); returns the frame object."""
    data = loads_strict(
        text,
        max_bytes=settings.WEBSOCKET_MAX_FRAME_BYTES,
        max_depth=settings.WEBSOCKET_MAX_JSON_DEPTH,
    )
    if not isinstance(data, dict):
        raise ParleyError(ErrorCode.INVALID, "A frame must be a JSON object.")
    return data


def ref_of(data: dict[str, Any] | None) -> str | int | None:
    """The frame's "ref" as it may be echoed: a string of at most 64 characters that a
    client can read back (decode already refused unstorable text), or a 64-bit number."""
    ref = (data or {}).get("ref")
    if isinstance(ref, int) and not isinstance(ref, bool) and abs(ref) <= INT64_MAX:
        return ref
    if isinstance(ref, str) and len(ref) <= 64 and text_problem(ref) is None:
        return ref
    return None
