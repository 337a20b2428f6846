"""Message Markdown from other services' text, shown as text and nothing more.

Text from a webhook (titles, branch names, commit messages, logins, labels) is untrusted:
in Parley's Markdown (parley.messaging.rendering) it could make a link, an image, a
heading, bold, or an @mention of a Parley member who has nothing to do with the GitHub
login of the same name. So every such piece goes through one of these helpers, which
backslash-escape every character Markdown, linkify or the mention rule could act on
(CommonMark lets any ASCII punctuation be escaped and shows it as itself), or put it in a
code span. Characters no database column can hold (NUL, lone surrogates) and other
control characters are dropped, and lengths are bounded, so a formatted message can
always be stored.
"""

import re
from urllib.parse import quote

# Markdown syntax, HTML, entities (&), links and bare URLs (: .), tables (|), mentions (@).
_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~@&:=")
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
# What may stay as it is in a link destination: RFC 3986's reserved and unreserved
# characters, less the parentheses that would end a Markdown destination; the rest is
# percent-encoded, so the URL cannot close the link or start anything else.
_URL_SAFE = ":/?#[]@!$&'*+,;=%-._~"


def clean(value: str) -> str:
    """`value` without control characters (tabs and newlines stay) or lone surrogates."""
    return _UNSTORABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, at a space when one is near, with "…"."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def one_line(value: str, limit: int) -> str:
    """`value` cleaned, its white space runs (newlines too) made single spaces, shortened."""
    return shorten(_SPACE.sub(" ", clean(value)).strip(), limit)


def escape(value: str) -> str:
    """`value` with every character Markdown could act on backslash-escaped."""
    return "".join(f"\\{char}" if char in _SPECIAL else char for char in value)


def plain(value: str, limit: int = 200) -> str:
    """One line of untrusted text as Markdown that shows exactly that text."""
    return escape(one_line(value, limit))


def code(value: str, limit: int = 100) -> str:
    """One line of untrusted text in a code span (branch and tag names, paths)."""
    content = one_line(value, limit) or " "
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    fence = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    return f"{fence}{content}{fence}"


def bold(markdown: str) -> str:
    return f"**{markdown}**"


def link(label: str, url: str) -> str:
    """`label` (Markdown) linked to `url` when it is an http(s) URL, else `label` alone."""
    url = clean(url).strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000:
        return label
    return f"[{label}]({quote(url, safe=_URL_SAFE)})"


def quote_excerpt(value: str, limit: int = 300, max_lines: int = 6) -> str:
    """The start of an untrusted multi-line text (a comment, a description) as a block
    quote of escaped lines, or "" when there is no text. HTML comments (GitHub's issue
    and pull request templates are full of them) are left out."""
    lines = [_SPACE.sub(" ", line).strip() for line in clean(_COMMENT.sub("", value)).split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    if not kept:
        return ""
    cut = len(kept) > max_lines
    text = "\n".join(kept[:max_lines])
    short = shorten(text, limit)
    if cut and short == text:
        short = f"{text} …"
    return "\n".join(f"> {escape(line)}" if line else ">" for line in short.split("\n"))
