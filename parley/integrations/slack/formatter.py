"""A Slack incoming-webhook payload as one Parley message (Markdown).

What is shown, in order, each part a paragraph of its own:

- "via": with `username` (and `icon_emoji`), a first line "👻 **name** via webhook", so a
  message never passes for a person's; `icon_url` is not shown (Parley shows no images).
- `blocks` when they show anything, else `text` (Slack too shows `text` only as the
  blocks' notification fallback). `text` is mrkdwn unless `"mrkdwn": false`.
  Blocks: section (text, fields, an image or link-button accessory as a link), header
  (a heading), context (its texts on one line), divider (a rule),
  image (a link to it), actions (link buttons as links); others are left out.
- each of `attachments` (legacy): its pretext, then as a quote: a colour dot (good,
  warning, danger or a #hex colour) before the author (linked) or the title (bold,
  linked), its text, its fields ("**title**: value"), its image as a link, and its
  footer and ts in italics; its fallback when it has none of these.

Everything the payload holds is converted by parley.integrations.slack.mrkdwn or
escaped, so it shows as text. The result is at most `limit` characters: parts that do
not fit are cut (the texts of the first one shortened, the rest left out) and a note says
so. Texts are cut before they are converted (at most 40,000 characters, Slack's limit,
per part and 80,000 for the message), so no payload makes much work.
"""

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from parley.integrations import markdown as md
from parley.integrations.payload import items, obj, text
from parley.integrations.slack.mrkdwn import emojize, mrkdwn, one_line_markdown, text_markdown

TEXT_MAX = 40_000  # Slack's limit for one text (it cuts longer ones): here, for a part
PASS_MAX = 2 * TEXT_MAX  # text converted for a whole message, at most
MAX_BLOCKS = 50  # Slack's limit per message
MAX_ATTACHMENTS = 100
MAX_FIELDS = 50
CUT_NOTE = "*\\(The rest was cut: the message was longer than Parley allows\\.\\)*"

_COLOURS = {"good": "🟢", "warning": "🟡", "danger": "🔴"}
# Hue (degrees) up to which a #hex colour is shown as each dot.
_HUES = [(20, "🔴"), (45, "🟠"), (70, "🟡"), (165, "🟢"), (260, "🔵"), (330, "🟣"), (360, "🔴")]

Payload = Mapping[str, Any]
# A part of the message, given how much of its texts to convert.
Part = Callable[["Cut"], str]


def format_payload(payload: Payload, *, limit: int) -> str:
    """The message for `payload` (Markdown of at most `limit` characters), or "" when it
    shows nothing (Slack's no_text; a "via" line alone is nothing)."""
    via = _via(payload)
    if via:
        limit -= len(via) + 2
    parts = list(_parts(payload))
    shown, whole = _fill(parts, limit)
    if not whole:
        shown, _ = _fill(parts, limit - len(CUT_NOTE) - 2)
        shown.append(CUT_NOTE)
    return "\n\n".join([via, *shown] if via and shown else shown)


def _fill(parts: list[Part], limit: int) -> tuple[list[str], bool]:
    """The parts that fit in `limit` characters (the first that does not, shortened),
    and whether they all did, uncut."""
    shown: list[str] = []
    used = 0
    budget = Cut(PASS_MAX)
    for part in parts:
        cut = Cut(TEXT_MAX, budget)
        body = part(cut)
        if not body:
            continue
        separator = 2 if shown else 0
        if used + separator + len(body) <= limit and not cut.cut:
            shown.append(body)
            used += separator + len(body)
            continue
        shortened = _shortened(part, limit - used - separator)
        if shortened:
            shown.append(shortened)
        return shown, False
    return shown, not budget.cut


def _shortened(part: Part, room: int) -> str:
    """`part` with its texts cut as little as lets it fit in `room` characters, or ""."""
    if room <= 0:
        return ""
    low, high, best = 1, min(3 * room, TEXT_MAX), ""
    while low <= high and (not best or high - low > room // 50):  # to within 2%
        middle = (low + high) // 2
        body = part(Cut(middle))
        if len(body) <= room:
            best, low = body, middle + 1
        else:
            high = middle - 1
    return best


class Cut:
    """How much of the payload's text a rendering converts: at most `total` characters
    in all (and at most what `outer` has left), cut with "…"; `cut` tells whether any was.
    It bounds the work a payload can cause, whatever it holds."""

    def __init__(self, total: int, outer: "Cut | None" = None) -> None:
        self.left = total
        self.outer = outer
        self.cut = False

    def __call__(self, value: str) -> str:
        allowed = min(self.left, self.outer.left) if self.outer else self.left
        if len(value) > allowed:
            self.cut = True
            if self.outer:
                self.outer.cut = True
            value = value[: allowed - 1] + "…" if allowed > 1 else ""
        self.left -= len(value)
        if self.outer:
            self.outer.left -= len(value)
        return value


def _parts(payload: Payload) -> Iterator[Part]:
    blocks = [_block(block) for block in items(payload, "blocks")[:MAX_BLOCKS]]
    if any(block(Cut(1_000)) for block in blocks):
        yield from blocks
    else:
        raw = payload.get("text")
        if isinstance(raw, str) and raw.strip():
            convert = mrkdwn if payload.get("mrkdwn") is not False else text_markdown
            yield lambda cut: convert(cut(raw))
    for attachment in items(payload, "attachments")[:MAX_ATTACHMENTS]:
        if isinstance(attachment, Mapping):
            yield from _attachment(attachment)


def _via(payload: Payload) -> str:
    name = one_line_markdown(text(payload, "username"), 80)
    icon = emojize(text(payload, "icon_emoji")[:64])
    icon = icon if icon and not icon.startswith(":") and len(icon) <= 16 else ""
    if not name and not icon:
        return ""
    who = " ".join(part for part in (icon, md.bold(name) if name else "") if part)
    return f"{who} via webhook"


# --- legacy attachments ---------------------------------------------------------------


def _attachment(attachment: Mapping[str, Any]) -> Iterator[Part]:
    pretext = text(attachment, "pretext")
    if pretext:
        yield lambda cut: mrkdwn(cut(pretext))

    def quoted(cut: Cut) -> str:
        body = _attachment_body(attachment, cut)
        return "\n".join(f"> {line}" if line else ">" for line in body.split("\n")) if body else ""

    yield quoted


def _attachment_body(attachment: Mapping[str, Any], cut: Cut) -> str:
    pieces: list[str] = []
    dot = _colour(text(attachment, "color"))
    author = one_line_markdown(text(attachment, "author_name"), 200)
    if author:
        pieces.append(md.link(author, text(attachment, "author_link")))
    title = one_line_markdown(text(attachment, "title"), 300)
    if title:
        pieces.append(md.bold(md.link(title, text(attachment, "title_link"))))
    if dot and pieces:
        pieces[0] = f"{dot} {pieces[0]}"
    body = text(attachment, "text")
    if body:
        pieces.append(mrkdwn(cut(body)))
    fields = [_field(text(f, "title"), text(f, "value"), cut) for f in _fields(attachment)]
    pieces.append(_together([f for f in fields if f], "\n"))
    image = text(attachment, "image_url")
    if image:
        pieces.append(md.link("Image", image))
    pieces.append(_footer(attachment, cut))
    pieces = [piece for piece in pieces if piece]
    if not pieces:
        fallback = text(attachment, "fallback")
        return mrkdwn(cut(fallback)) if fallback else ""
    return "\n\n".join(pieces)


def _fields(attachment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    fields = items(attachment, "fields")[:MAX_FIELDS]
    return [field for field in fields if isinstance(field, Mapping)]


def _field(title: str, value: str, cut: Cut) -> str:
    label = md.bold(one_line_markdown(title, 200)) if title else ""
    shown = mrkdwn(cut(value)) if value else ""
    if not label or not shown:
        return label or shown
    return f"{label}\n{shown}" if _blocky(shown) else f"{label}: {shown}"


def _footer(attachment: Mapping[str, Any], cut: Cut) -> str:
    footer = one_line_markdown(text(attachment, "footer"), 300)
    when = _timestamp(attachment.get("ts"))
    line = " · ".join(part for part in (footer, md.escape(when)) if part)
    return f"*{line}*" if line else ""


def _timestamp(value: object) -> str:
    """A Unix time (a number, or a string of one, as Slack takes it) as UTC, or ""."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return ""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    try:
        when = datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return ""
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _colour(value: str) -> str:
    """A dot for an attachment's colour: good, warning, danger, or the nearest hue of a
    #hex colour (grey ones: none)."""
    if value in _COLOURS:
        return _COLOURS[value]
    hexa = value.removeprefix("#")
    if len(hexa) != 6:
        return ""
    try:
        red, green, blue = (int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return ""
    high, low = max(red, green, blue), min(red, green, blue)
    if high - low < 0.15:
        return "⚪" if high > 0.5 else "⚫"
    span = high - low
    if high == red:
        hue = 60 * (((green - blue) / span) % 6)
    elif high == green:
        hue = 60 * ((blue - red) / span + 2)
    else:
        hue = 60 * ((red - green) / span + 4)
    return next(dot for end, dot in _HUES if hue <= end)


# --- blocks ---------------------------------------------------------------------------


def _block(block: object) -> Part:
    if not isinstance(block, Mapping):
        return lambda cut: ""
    kind = text(block, "type")
    render = _BLOCKS.get(kind)
    if render is None:
        return lambda cut: ""  # an interactive or newer block: nothing to show
    return lambda cut: render(block, cut)


def _text_object(value: object, cut: Cut) -> str:
    """A composition text object: mrkdwn, or plain_text shown as it is."""
    raw = text(value, "text")
    if not raw:
        return ""
    if text(value, "type") == "mrkdwn":
        return mrkdwn(cut(raw))
    return text_markdown(cut(raw))


def _section(block: Mapping[str, Any], cut: Cut) -> str:
    pieces = [_text_object(obj(block, "text"), cut)]
    fields = [_text_object(field, cut) for field in items(block, "fields")[:MAX_FIELDS]]
    pieces.append(_together([f for f in fields if f], "\n"))
    pieces.append(_element_link(obj(block, "accessory"), cut))
    return "\n\n".join(piece for piece in pieces if piece)


def _header(block: Mapping[str, Any], cut: Cut) -> str:
    title = one_line_markdown(text(block, "text", "text"), 150)
    return f"### {title}" if title else ""


def _context(block: Mapping[str, Any], cut: Cut) -> str:
    # Its images are icons: left out.
    shown = [_text_object(element, cut) for element in items(block, "elements")[:10]]
    return _together([piece for piece in shown if piece], " · ")


def _divider(block: Mapping[str, Any], cut: Cut) -> str:
    return "---"


def _image(block: Mapping[str, Any], cut: Cut) -> str:
    url = text(block, "image_url")
    label = text(block, "title", "text") or text(block, "alt_text") or "Image"
    return md.link(f"🖼️ {one_line_markdown(label, 200)}", url) if url else ""


def _actions(block: Mapping[str, Any], cut: Cut) -> str:
    links = [_element_link(element, cut) for element in items(block, "elements")[:25]]
    return " · ".join(link for link in links if link)


def _element_link(element: Mapping[str, Any], cut: Cut) -> str:
    """An image (its alt text) or a button with a URL (its label) linked, else ""."""
    kind = text(element, "type")
    if kind == "image":
        label = text(element, "alt_text") or "Image"
        url = text(element, "image_url")
    elif kind == "button":
        label = text(element, "text", "text")
        url = text(element, "url")
    else:
        return ""
    if not url or not label:
        return ""
    return md.link(one_line_markdown(label, 200), url)


_BLOCKS: dict[str, Callable[[Mapping[str, Any], Cut], str]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "divider": _divider,
    "image": _image,
    "actions": _actions,
}


def _blocky(markdown: str) -> bool:
    """Whether `markdown` is more than one line of inline text (it cannot follow a label
    on its line, nor be followed by a line that would join a quote in it)."""
    return "\n" in markdown or markdown.startswith((">", "`" * 3))


def _together(pieces: list[str], separator: str) -> str:
    """Pieces on one line with `separator`, or as paragraphs when one is more than a line."""
    return ("\n\n" if any(_blocky(p) for p in pieces) else separator).join(pieces)
