"""Message Markdown to safe HTML: markdown-it-py parses, nh3 (ammonia) sanitises."""

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}


@cache
def _parser() -> MarkdownIt:
    # CommonMark with tables and strikethrough; raw HTML is escaped, bare URLs become links.
    return MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
        ["table", "strikethrough", "linkify"]
    )


def render_markdown(source: str) -> str:
    """Render a message body to HTML that is safe to insert into a page as it is."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    ).strip()
