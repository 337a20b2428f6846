"""Emoji by name: the `:shortcode:`s the renderer turns into emoji, and the index the web
client's picker and autocomplete search, both from the `emoji` library's data (Unicode's
CLDR names plus the Slack/GitHub aliases: `:tada:`, `:+1:`).

Only fully-qualified emoji are named, and the index leaves out skin-tone variants (a
picker lists each emoji once); `:thumbs_up_medium_skin_tone:` still renders. The index is
JSON served under its own digest (parley.messaging.views.emoji), so browsers cache it for
good and fetch a new one when the library's data changes.
"""

import hashlib
import json
from functools import cache

import emoji as emoji_lib

_FULLY_QUALIFIED = emoji_lib.STATUS["fully_qualified"]
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
MAX_NAME_CHARS = 80


def _names(data: dict[str, object]) -> list[str]:
    """An emoji's names without colons: its CLDR name first, then its aliases."""
    names = [str(data["en"])]
    aliases = data.get("alias")
    if isinstance(aliases, list):
        names += [str(alias) for alias in aliases]
    return list(dict.fromkeys(name.strip(":") for name in names))


@cache
def shortcodes() -> dict[str, str]:
    """Lower-cased name (no colons) → emoji, for every fully-qualified emoji."""
    by_name: dict[str, str] = {}
    for char, data in emoji_lib.EMOJI_DATA.items():
        if data.get("status") != _FULLY_QUALIFIED:
            continue
        for name in _names(data):
            by_name.setdefault(name.lower(), char)
    return by_name


def emoji_for(name: str) -> str | None:
    """The emoji called `name` (no colons, any case), or None."""
    return shortcodes().get(name.lower()) if len(name) <= MAX_NAME_CHARS else None


@cache
def index() -> tuple[bytes, str]:
    """The picker's index as JSON, and its digest: {"emoji": [[char, name, alias…], …]},
    in the library's order, without skin-tone variants."""
    entries = [
        [char, *_names(data)]
        for char, data in emoji_lib.EMOJI_DATA.items()
        if data.get("status") == _FULLY_QUALIFIED and not _SKIN_TONES.intersection(char)
    ]
    body = json.dumps({"emoji": entries}, ensure_ascii=False, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:16]
