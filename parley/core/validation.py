"""Input checks every transport shares: text, strict JSON, whole numbers.

Whatever crosses a boundary (a WebSocket frame, a JSON body, a form, a query string, a
URL) passes through these before any action sees it, so one class of bad input gets
one error everywhere: `invalid_text` for text that cannot be stored, `invalid` for the
rest. Nothing here touches the database.
"""

import json
import math
import re
from typing import Any

from parley.core.errors import ErrorCode, ParleyError

INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,18}\Z")
# A string (to its closing quote, or to the end of an unterminated one), or a bracket: one
# left-to-right pass, without backtracking (possessive), so any text costs linear time.
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)


def invalid(message: str, **details: Any) -> ParleyError:
    return ParleyError(ErrorCode.INVALID, message, **details)


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text (a NUL, or a lone UTF-16 surrogate, which no
    UTF-8 database column holds), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode()
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def check_text(value: str, field: str) -> str:
    """`value` itself, or ParleyError(invalid_text) naming `field`."""
    problem = text_problem(value)
    if problem is not None:
        raise ParleyError(ErrorCode.INVALID_TEXT, f'"{field}" {problem}.', field=field)
    return value


def check_texts(data: Any, field: str = "") -> None:
    """check_text for every string in a parsed JSON value, keys included."""
    stack: list[tuple[Any, str]] = [(data, field)]
    while stack:
        item, name = stack.pop()
        if isinstance(item, str):
            check_text(item, name or "text")
        elif isinstance(item, dict):
            for key, value in item.items():
                check_text(key, name or "key")
                stack.append((value, key))
        elif isinstance(item, list):
            stack.extend((value, name) for value in item)


def ascii_int(raw: str, field: str, *, minimum: int = 0) -> int:
    """A whole number written in ASCII digits (str.isdigit() also takes "²" and "٣"),
    at least `minimum` and within a 64-bit column."""
    if not _DIGITS.match(raw) or int(raw) < minimum:
        raise invalid(f'"{field}" must be a whole number of at least {minimum}.', field=field)
    return int(raw)


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit`, found without parsing.
    Cheap for the common frame: only text with more brackets than `limit` is scanned."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _float(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _int(raw: str) -> int:
    if len(raw) > 20 or not -INT64_MAX - 1 <= (value := int(raw)) <= INT64_MAX:
        raise ValueError("number out of range")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key")
    return data


def loads_strict(
    raw: str | bytes, *, max_bytes: int, max_depth: int, scrub_text: bool = False
) -> Any:
    """Parse JSON as Parley accepts it on every surface: at most `max_bytes` (UTF-8) and
    `max_depth` levels (both checked before parsing), no NaN or Infinity, numbers within
    64 bits and finite, no key twice in an object, and text that can be stored. With
    `scrub_text` (a webhook's payload, which Parley cannot send back), text that cannot
    be stored has its NULs and lone surrogates replaced by U+FFFD instead."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode(errors="surrogatepass"))
    if size > max_bytes:
        raise invalid(f"That is too large: at most {max_bytes // 1024} KiB of JSON.")
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise invalid("JSON must be UTF-8.") from exc
    if json_depth_exceeds(text, max_depth):
        raise invalid(f"That JSON is nested too deeply (at most {max_depth} levels).")
    try:
        data = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_no_constant,
            parse_float=_float,
            parse_int=_int,
        )
    except (ValueError, RecursionError) as exc:
        raise invalid(f"That is not valid JSON ({_reason(exc)}).") from exc
    if scrub_text:
        return _scrubbed(data)
    check_texts(data)
    return data


def _scrubbed(data: Any) -> Any:
    if isinstance(data, str):
        if text_problem(data) is None:
            return data
        paired = data.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return paired.replace("\x00", "\ufffd")
    if isinstance(data, dict):
        return {_scrubbed(key): _scrubbed(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_scrubbed(item) for item in data]
    return data


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos}"
    return str(exc) or type(exc).__name__
