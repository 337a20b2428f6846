"""Slack's mrkdwn as Parley's message Markdown, showing what Slack would show.

Slack's markup: `*bold*`, `_italic_`, `~strike~` (each opens after a non-word character
and closes before one, within a line), `` `code` ``, ```` ```code blocks``` ````, `>` at
the start of a line for a quote, and angle-bracket tokens: `<https://…|label>`,
`<https://…>`, `<mailto:…|label>`, `<!here>`, `<!channel>`, `<!everyone>`,
`<!subteam^ID|@team>`, `<!date^…|fallback>`, `<@U123>` and `<#C123|name>`. The sender
escapes `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`.

Each construct becomes its Markdown one; every other character of the text is escaped
(parley.integrations.markdown), so nothing a sender writes becomes HTML, a Parley
@mention (Slack's user, channel and broadcast tokens are shown as text, "@here",
"#general"), a heading or list, or a link to anything but an http(s) URL (a
`<javascript:…|label>` shows its label as text). Known `:emoji:` shortcodes become the
emoji; bare http(s) URLs are linked, as Slack links them.
"""

import re
from collections.abc import Callable

import emoji as emoji_lib

from parley.integrations import markdown as md

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_QUOTE = re.compile(r"(?:&gt;|>)[ \t]?")
_INDENT = re.compile(r"[ \t]+")
_BARE_URL = re.compile(r"https?://[^\s<>]+")
_URL_TAIL = ".,;:!?'\")]"
_MARKUP = re.compile(r"[`<*_~]")
_EMPHASIS = {"*": "**", "_": "*", "~": "~~"}
_BROADCASTS = {"here", "channel", "everyone"}


def entities(value: str) -> str:
    """`value` with Slack's three entities decoded."""
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojize(value: str) -> str:
    """`value` with known `:shortcode:`s (Slack's and GitHub's names) as emoji."""
    return emoji_lib.emojize(value, language="alias") if ":" in value else value


def text_markdown(value: str) -> str:
    """Plain text (no markup) as Markdown showing it: escaped, `:emoji:` made emoji, bare
    URLs linked, lines kept (their leading white space too)."""
    return "\n".join(_indented(line, _text) for line in md.clean(value).split("\n"))


def one_line_markdown(value: str, limit: int) -> str:
    """One line of plain text (a name, a title) as escaped Markdown, emoji made."""
    return md.escape(emojize(md.one_line(value[: 8 * limit], limit)))  # sliced: quick


def mrkdwn(value: str) -> str:
    """Slack mrkdwn as Parley Markdown (see the module's docstring)."""
    value = md.clean(value)
    parts: list[str] = []
    start = 0
    for match in _CODE_BLOCK.finditer(value):
        parts.append(_lines(value[start : match.start()]))
        parts.append(_code_block(match.group(1)))
        start = match.end()
    parts.append(_lines(value[start:]))
    return "\n".join(part for part in parts if part).strip("\n")


def _code_block(content: str) -> str:
    content = entities(content).strip("\n")
    if not content.strip():
        return ""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{content}\n{fence}"


def _lines(segment: str) -> str:
    """Lines of text outside code blocks. A quote is ended by a blank line before the
    next unquoted line (Markdown would carry that line into the quote)."""
    out: list[str] = []
    quoted = False
    for line in segment.strip("\n").split("\n"):
        match = _QUOTE.match(line)
        if match:
            out.append(f"> {_indented(line[match.end() :], _inline)}".rstrip())
            quoted = True
            continue
        if quoted and line.strip():
            out.append("")
        quoted = False
        out.append(_indented(line, _inline))
    return "\n".join(out)


def _indented(line: str, convert: Callable[[str], str]) -> str:
    """`line` converted, its indent (two or more spaces or tabs) kept as no-break spaces:
    Markdown would drop it, or make code of four."""
    line = line.rstrip()
    match = _INDENT.match(line)
    if not match:
        return convert(line)
    indent = "\u00a0" * len(match.group(0)) if len(match.group(0)) > 1 else ""
    return indent + convert(line[match.end() :])


class _Scan:
    """A line being converted, with where the next "`", "<" and ">" are from each position,
    and the emphasis marks known to have no closing one left: every scan stays linear in
    the line's length, however it is made (a line of 40,000 "*a " must not take minutes)."""

    def __init__(self, line: str) -> None:
        self.line = line
        self._next: dict[str, list[int]] = {}
        self.unclosed: set[str] = set()

    def next(self, char: str, start: int) -> int:
        """Where `char` is next at or after `start`, or -1."""
        positions = self._next.get(char)
        if positions is None:
            positions = self._next[char] = _next_positions(self.line, char)
        return positions[min(start, len(self.line))]


def _next_positions(line: str, char: str) -> list[int]:
    """For each position of `line` (and its end), where `char` next is, or -1."""
    positions = [-1] * (len(line) + 1)
    found = -1
    for k in range(len(line) - 1, -1, -1):
        if line[k] == char:
            found = k
        positions[k] = found
    return positions


def _inline(line: str) -> str:
    """One line of mrkdwn (no code blocks) as Markdown."""
    if not _MARKUP.search(line):
        return _text(line)
    scan = _Scan(line)
    out: list[str] = []
    plain_from = 0
    i = 0
    while i < len(line):
        char = line[i]
        converted: str | None = None
        end = -1
        if char == "`":
            end = scan.next("`", i + 1)
            if end > i + 1:
                converted = md.code(entities(line[i + 1 : end]), end - i)
        elif char == "<":
            end = scan.next(">", i + 1)
            inner = scan.next("<", i + 1)
            if end > i + 1 and not 0 <= inner < end:
                converted = _token(line[i + 1 : end])
        elif char in _EMPHASIS and char not in scan.unclosed and _opens(line, i):
            end = _closing(scan, i)
            if end < 0:
                scan.unclosed.add(char)
            else:
                mark = _EMPHASIS[char]
                converted = f"{mark}{_inline(line[i + 1 : end])}{mark}"
        if converted is None:
            i += 1
            continue
        out.append(_text(line[plain_from:i]))
        out.append(converted)
        i = plain_from = end + 1
    out.append(_text(line[plain_from:]))
    return "".join(out)


def _opens(line: str, i: int) -> bool:
    after = line[i + 1 : i + 2]
    return (i == 0 or not line[i - 1].isalnum()) and bool(after.strip()) and after != line[i]


def _closing(scan: _Scan, i: int) -> int:
    """Where the emphasis opened at `i` closes (after a non-space, before a non-word
    character), skipping code and angle-bracket tokens; -1 if it does not."""
    line = scan.line
    mark = line[i]
    j = i + 2
    while j < len(line):
        char = line[j]
        if char in "`<":
            end = scan.next("`" if char == "`" else ">", j + 1)
            if end > j:
                j = end + 1
                continue
        if (
            char == mark
            and not line[j - 1].isspace()
            and (j + 1 == len(line) or not line[j + 1].isalnum())
        ):
            return j
        j += 1
    return -1


def _token(inner: str) -> str | None:
    """An angle-bracket token: a link, or a mention or broadcast shown as text; None when
    `inner` is not one (text between a "<" and a ">")."""
    target, _, label = inner.partition("|")
    if not target or any(char.isspace() for char in target):
        return None
    label = entities(label).strip()
    if target.startswith("!"):
        name = target[1:]
        if name in _BROADCASTS:
            shown = f"@{name}"
        elif name.startswith("date^"):
            shown = label or name.split("^")[1]
        else:
            shown = label or name.partition("^")[0]
        return _text(shown, link_urls=False)
    if target.startswith("@"):
        return _text(f"@{label or target[1:]}", link_urls=False)
    if target.startswith("#"):
        return _text(f"#{label or target[1:]}", link_urls=False)
    url = entities(target)
    if not label and ":" not in url:
        return None
    shown = label or url.removeprefix("mailto:")
    return md.link(_text(shown, link_urls=False), url)


def _text(value: str, *, link_urls: bool = True) -> str:
    """Text (Slack-escaped) as escaped Markdown: emoji made, bare http(s) URLs linked."""
    value = entities(value)
    if not link_urls:
        return md.escape(emojize(value))
    out: list[str] = []
    start = 0
    for match in _BARE_URL.finditer(value):
        url = match.group(0).rstrip(_URL_TAIL)
        out.append(md.escape(emojize(value[start : match.start()])))
        out.append(md.link(md.escape(url), url))
        start = match.start() + len(url)
    out.append(md.escape(emojize(value[start:])))
    return "".join(out)
