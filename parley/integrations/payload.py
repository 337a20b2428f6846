"""Null-safe reading of a parsed JSON payload that another service sent.

A webhook's payload is untrusted: any field may be missing, null or of another type than
its documentation says. These readers walk a path of keys and return a value of the asked
type or an empty one (an empty mapping, list or string, None for a number), so a
formatter reads what it needs without a KeyError or TypeError ever reaching the caller.
"""

from collections.abc import Mapping
from typing import Any

_EMPTY: Mapping[str, Any] = {}


def _walk(value: object, keys: tuple[str, ...]) -> object:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def obj(value: object, *keys: str) -> Mapping[str, Any]:
    """The mapping at `keys` under `value`, or an empty one."""
    found = _walk(value, keys)
    return found if isinstance(found, Mapping) else _EMPTY


def items(value: object, *keys: str) -> list[Any]:
    """The list at `keys` under `value`, or an empty one."""
    found = _walk(value, keys)
    return found if isinstance(found, list) else []


def text(value: object, *keys: str) -> str:
    """The string at `keys` under `value`, stripped, or ""."""
    found = _walk(value, keys)
    return found.strip() if isinstance(found, str) else ""


def number(value: object, *keys: str) -> int | None:
    """The whole number at `keys` under `value` (not a bool), or None."""
    found = _walk(value, keys)
    return found if isinstance(found, int) and not isinstance(found, bool) else None


def flag(value: object, *keys: str) -> bool:
    """Whether the value at `keys` under `value` is JSON true."""
    return _walk(value, keys) is True
