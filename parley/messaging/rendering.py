"""Message Markdown to safe HTML: markdown-it-py parses, nh3 (ammonia) sanitises.

@mentions of known members become <span class="mention" data-user="ID">@name</span>; the
caller resolves which names are members (see mentioned_names) and passes them in.
Known `:shortcode:`s (parley.messaging.emoji: `:tada:`, `:thumbs_up:`) become the emoji
itself, as text; not inside code (inline rules never see code spans or blocks).

Fenced code with a language Pygments knows is highlighted on the server (as Zulip does):
tokens become <span class="tok-…"> (Pygments' short names; static/css/parley.css colours
them with custom properties, so both themes cover them). An unknown or missing language
is left plain: guessing is slow and often wrong.

Blockquotes: messages render with hard line breaks (each line of a message is a line), so
a quote ends at the first line that does not start with ">", as chat users expect (Slack,
Zulip): CommonMark's lazy continuation, which would pull that line into the quote's
paragraph, is for reflowed prose. A blank line is put before such a line (outside code
fences), which is exactly what CommonMark then renders as "quote, then paragraph".
"""

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from parley.messaging.emoji import emoji_for

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "span": {"class", "data-user"},
}

# A username after "@", not preceded by a word character (so e-mail addresses are not
# mentions). Usernames are [A-Za-z0-9._-]{3,32}; trailing punctuation is tried off too.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._-]{3,32})")
_AT_START = re.compile(r"@([A-Za-z0-9._-]{3,32})")

# username (lower case) → (user id, username as spelled in the account)
Mentionable = Mapping[str, tuple[int, str]]


def mentioned_names(source: str) -> set[str]:
    """Lower-cased names that may be mentions in `source` (to look up among members)."""
    names: set[str] = set()
    for match in MENTION.finditer(source):
        name = match.group(1).lower()
        names.add(name)
        names.add(name.rstrip("._-"))
    names.discard("")
    return names


def _resolve(name: str, known: Mentionable) -> tuple[str, tuple[int, str]] | None:
    """The longest known username at the start of `name` (full, or without trailing ._-)."""
    for candidate in (name, name.rstrip("._-")):
        user = known.get(candidate.lower())
        if candidate and user is not None:
            return candidate, user
    return None


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    if state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] in "_@"):
        return False
    known: Mentionable = state.env.get("mentionable") or {}
    match = _AT_START.match(state.src, state.pos)
    if not known or match is None:
        return False
    resolved = _resolve(match.group(1), known)
    if resolved is None:
        return False
    text, (user_id, _username) = resolved
    if not silent:
        token = state.push("mention", "span", 0)
        token.content = text
        token.meta = {"user_id": user_id}
        state.env.setdefault("mentioned", []).append(user_id)
    state.pos += 1 + len(text)
    return True


_SHORTCODE = re.compile(r":([\w+\-]{1,80}):")


def _emoji_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != ":":
        return False
    match = _SHORTCODE.match(state.src, state.pos)
    char = emoji_for(match.group(1)) if match else None
    if match is None or char is None:
        return False
    if not silent:
        state.push("text", "", 0).content = char
    state.pos = match.end()
    return True


def _render_mention(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    name = token.content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<span class="mention" data-user="{int(token.meta["user_id"])}">@{name}</span>'


_FORMATTER = HtmlFormatter(nowrap=True, classprefix="tok-")
# Code longer than this is shown plain: highlighting is linear, but a message's CPU is capped.
HIGHLIGHT_MAX_CHARS = 20_000


def _highlight(code: str, language: str, _attrs: str) -> str:
    """A fenced block's code as Pygments token spans, or "" (markdown-it escapes it)."""
    name = language.strip().split(maxsplit=1)[0].lower() if language.strip() else ""
    if not name or len(code) > HIGHLIGHT_MAX_CHARS:
        return ""
    try:
        lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return ""
    return str(highlight(code, lexer, _FORMATTER))


_QUOTED = re.compile(r" {0,3}>")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def _end_quotes(source: str) -> str:
    """`source` with a blank line before each line that follows a quoted line without
    being quoted itself (outside fenced code): the quote ends there (module docstring)."""
    lines = source.split("\n")
    out: list[str] = []
    quoted = False
    fence: str | None = None
    for line in lines:
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            out.append(line)
            continue
        is_quoted = bool(_QUOTED.match(line))
        if quoted and not is_quoted and line.strip():
            out.append("")
        quoted = is_quoted
        opening = _FENCE.match(line)
        if opening and not is_quoted:
            fence = opening.group(1)
        out.append(line)
    return "\n".join(out)


@cache
def _parser() -> MarkdownIt:
    # CommonMark with tables and strikethrough; raw HTML is escaped, bare URLs become links.
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": True, "breaks": True, "highlight": _highlight},
    ).enable(["table", "strikethrough", "linkify"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.inline.ruler.before("emphasis", "emoji", _emoji_rule)
    md.add_render_rule("mention", _render_mention)
    return md


# Words of ASCII letters and digits, with , ? ! ' and single spaces between them: no
# Markdown construct, link, mention or character to escape can occur, and markdown-it plus
# nh3 would give exactly <p>body</p> (pinned by a test over many such bodies). Most chat
# messages are like that, and skipping both is the largest part of rendering's CPU.
_PLAIN = re.compile(r"[A-Za-z0-9,?!']+(?: [A-Za-z0-9,?!']+)*")


def render(source: str, mentionable: Mentionable | None = None) -> tuple[str, list[int]]:
    """Safe HTML for a message body, and the ids of the members it mentions (in order)."""
    if _PLAIN.fullmatch(source):
        return f"<p>{source}</p>", []
    env: dict[str, Any] = {"mentionable": mentionable or {}}
    if ">" in source:
        source = _end_quotes(source)
    html = _parser().render(source, env)
    mentioned = list(dict.fromkeys(env.get("mentioned", [])))
    return _clean(html), mentioned


def render_markdown(source: str) -> str:
    """Render a message body (without mentions) to HTML that is safe to insert as it is."""
    return render(source)[0]


@cache
def _cleaner() -> nh3.Cleaner:
    # Built once: nh3.clean() with these arguments builds the same sanitiser on every call.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def _clean(html: str) -> str:
    return _cleaner().clean(html).strip()
