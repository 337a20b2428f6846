"""Snippets: about WIDTH characters of a message around its first match, the matches in
<mark>, everything else HTML-escaped.

What to mark comes from two places: the words the database matched (it knows that
"studies" matched "study"), and the query's own terms (substrings and phrases, and word
prefixes where the database cannot say which words matched). The text shown is always
the message's own body; the database's highlighted text is only read for its marks.
"""

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from parley.search.backends.base import START, STOP
from parley.search.query import Term

WIDTH = 200
BEFORE = 60  # characters kept before the first match
_SENTINELS = re.compile(f"[{START}{STOP}]")


def _word(text: str) -> str:
    """`text` as a pattern that does not start or end inside a longer word."""
    pattern = re.escape(text)
    if text[:1].isalnum() or text[:1] == "_":
        pattern = r"(?<!\w)" + pattern
    if text[-1:].isalnum() or text[-1:] == "_":
        pattern += r"(?!\w)"
    return pattern


def _pattern(terms: Iterable[Term], words: Iterable[str] | None) -> re.Pattern[str] | None:
    parts = [_word(w) for w in words or ()]
    for term in terms:
        if term.phrase:
            parts.append(r"\s+".join(map(re.escape, term.text.split())))
        elif term.text.isalnum():
            if words is None:  # the database cannot say which forms matched: guess
                parts.append(r"(?<!\w)" + re.escape(term.stem) + r"\w*")
        else:
            parts.append(re.escape(term.text))
    if not parts:
        return None
    parts.sort(key=len, reverse=True)  # the longest alternative wins where several match
    return re.compile("|".join(parts), re.IGNORECASE)


def _window(text: str, first: re.Match[str] | None) -> tuple[int, int]:
    """About WIDTH characters of `text` around `first`, cut at spaces."""
    if len(text) <= WIDTH:
        return 0, len(text)
    start = max(0, first.start() - BEFORE) if first else 0
    if start > 0:
        space = text.find(" ", start, first.start() if first else None)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", first.end() if first else start + 1, end)
        end = space if space > 0 else end
    return start, end


def snippet(body: str, terms: tuple[Term, ...], words: Iterable[str] | None = None) -> SafeString:
    """Safe HTML: part of `body` with the matches of `terms` and `words` in <mark>.

    `words`: the words of `body` the database matched, or None where it cannot say
    (then plain words are marked wherever a word starts with their stem).
    """
    text = " ".join(_SENTINELS.sub("", body).split())
    pattern = _pattern(terms, words)
    first = pattern.search(text) if pattern else None
    start, end = _window(text, first)
    out = ["…" if start > 0 else ""]
    at = start
    for match in pattern.finditer(text, start, end) if pattern else ():
        if match.end() > match.start():
            out.append(escape(text[at : match.start()]))
            out.append(f"<mark>{escape(match.group())}</mark>")
            at = match.end()
    out.append(escape(text[at:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
