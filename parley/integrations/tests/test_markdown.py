"""Untrusted text through the Markdown helpers renders as exactly that text."""

import html
import random
import re

import pytest

from parley.integrations import markdown as md
from parley.messaging.rendering import render

MENTIONABLE = {"alice": (1, "alice"), "everyone": (2, "everyone")}
# Characters that mean something somewhere in Markdown, HTML, linkify or mentions.
ALPHABET = "ab1 \\`*_{}[]()<>#+-.!|~@&:=/;?'\"%$^,\t" + "é😀"
SAMPLES = [
    "<script>alert(1)</script> @everyone **x**",
    "[click](https://evil.example) ![img](https://evil.example/x.png)",
    "https://evil.example www.evil.example alice@example.com",
    "# heading",
    "1. list",
    "- item",
    "> quote",
    "---",
    "| a | b |",
    "&amp; &lt;b&gt; &#x3C;",
    "~~struck~~ _em_ `code`",
    "trailing backslash \\",
    "@alice and @alice. and (@alice)",
]


def _text_of(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def _random_texts(count: int) -> list[str]:
    rng = random.Random(12)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("value", SAMPLES + _random_texts(400))
def test_plain_text_renders_as_itself(value):
    rendered, mentioned = render(md.plain(value), MENTIONABLE)
    assert mentioned == []
    assert re.fullmatch(r"<p>[^<]*</p>", rendered) or rendered == ""
    assert _text_of(rendered) == md.one_line(value, 200)


@pytest.mark.parametrize("value", SAMPLES + _random_texts(200))
def test_code_renders_as_itself(value):
    rendered, mentioned = render(md.code(value), MENTIONABLE)
    assert mentioned == []
    assert re.fullmatch(r"<p><code>[^<]*</code></p>", rendered)
    assert _text_of(rendered).strip() == md.one_line(value, 100).strip()


@pytest.mark.parametrize("value", SAMPLES + _random_texts(200))
def test_quoted_excerpts_render_as_a_quote_of_the_text(value):
    multi = value.replace("|", "\n")
    quoted = md.quote_excerpt(multi)
    if not quoted:
        assert not multi.strip()
        return
    rendered, mentioned = render(quoted, MENTIONABLE)
    assert mentioned == []
    assert set(re.findall(r"</?([a-z]+)", rendered)) <= {"blockquote", "p", "br"}
    shown = [line.strip() for line in _text_of(rendered).split("\n") if line.strip()]
    expected = [re.sub(r"\s+", " ", line).strip() for line in multi.split("\n")]
    assert shown == [line for line in expected if line]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://github.com/a/b/pull/2", "https://github.com/a/b/pull/2"),
        (
            "https://github.com/a/b/compare/d70c5c6fa638^...000000000000",
            "https://github.com/a/b/compare/d70c5c6fa638%5E...000000000000",
        ),
        (
            "https://x.example/a) [b](javascript:alert(1)",
            "https://x.example/a%29%20%5Bb%5D%28javascript:alert%281%29",
        ),
        ('https://x.example/<img>"', "https://x.example/%3Cimg%3E%22"),
        ("https://x.example/é?q=1 2#frag", "https://x.example/%C3%A9?q=1%202#frag"),
    ],
)
def test_links_keep_their_address_and_cannot_break_out(url, href):
    rendered, _ = render(md.link("label", url))
    assert rendered == (
        f'<p><a href="{href}" target="_blank" rel="noopener noreferrer nofollow">label</a></p>'
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "", "//evil", "ftp://x"]
)
def test_only_web_addresses_are_linked(url):
    assert md.link("label", url) == "label"


def test_storable_text_only():
    assert md.plain("a\x00b\ud800c\x1bd") == "abcd"
    assert md.code("a`b``c") == "```a`b``c```"
    assert md.code("`x`") == "`` `x` ``"


def test_shorten_prefers_a_word_boundary():
    assert md.shorten("one two three four", 12) == "one two…"
    assert md.shorten("abcdefghijklmnop", 8) == "abcdefg…"
    assert md.shorten("short", 8) == "short"
