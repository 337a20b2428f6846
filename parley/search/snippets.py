"""Snippets: a short piece of a message's text with the matches in <mark>.

Every piece of user text is HTML-escaped here, whether it comes from the message body
or from a database headline (ts_headline, FTS5 snippet()). Headlines mark matches with
control characters (START/STOP), never HTML, and those become <mark> only after the
text around them has been escaped.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from parley.search.backends.base import START, STOP
from parley.search.query import Term

WIDTH = 200  # characters of the body around the first match
BEFORE = 60  # of which at most this many come before it
_SENTINELS = re.compile(f"[{START}{STOP}]")


def _pattern(terms: tuple[Term, ...]) -> re.Pattern[str] | None:
    """What to mark in text the database did not mark: words as prefixes, else substrings."""
    parts = []
    for term in sorted(terms, key=lambda t: len(t.text), reverse=True):
        if term.phrase:
            parts.append(r"\s+".join(map(re.escape, term.text.split())))
        elif term.text.isalnum():
            parts.append(r"\b" + re.escape(term.stem) + r"\w*")
        else:
            parts.append(re.escape(term.text))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _mark(text: str, pattern: re.Pattern[str] | None, *, whole: bool = False) -> str:
    """`text` escaped, with the matches of `pattern` (or all of it, if `whole`) marked."""
    if whole:
        return f"<mark>{escape(text)}</mark>"
    if pattern is None:
        return escape(text)
    out: list[str] = []
    at = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        out.append(escape(text[at : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        at = match.end()
    out.append(escape(text[at:]))
    return "".join(out)


def _window(text: str, pattern: re.Pattern[str] | None) -> str:
    """About WIDTH characters of `text` around the first match, cut at spaces, with "…"."""
    if len(text) <= WIDTH:
        return text
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - BEFORE) if match else 0
    if start > 0:
        space = text.find(" ", start, match.start() if match else None)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", max(start + 1, match.end() if match else start), end)
        end = space if space > 0 else end
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")


def snippet(body: str, terms: tuple[Term, ...], headline: str | None = None) -> SafeString:
    """Safe HTML: part of `body` with the matches of `terms` in <mark>.

    `headline` is the database's fragment of the body with matches between START and
    STOP; it is used when it marked something and the body has no such characters itself.
    """
    pattern = _pattern(terms)
    if headline and START in headline and not _SENTINELS.search(body):
        text = " ".join(headline.split())
    else:
        text = _window(" ".join(_SENTINELS.sub("", body).split()), pattern)
    pieces = re.split(f"{START}(.*?){STOP}", text)
    html = "".join(
        _mark(_SENTINELS.sub("", piece), pattern, whole=i % 2 == 1)
        for i, piece in enumerate(pieces)
    )
    return mark_safe(html)  # noqa: S308 - every piece of text above is escaped
