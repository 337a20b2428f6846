"""Slack payloads as Parley Markdown: realistic payloads (fixtures/, after Slack's own
documentation examples) give exactly the Markdown beside them, mrkdwn converts construct
by construct, and nothing a sender writes becomes HTML, a mention or a bad link."""

import json
from pathlib import Path

import pytest

from parley.integrations.slack.formatter import CUT_NOTE, format_payload
from parley.integrations.slack.mrkdwn import mrkdwn
from parley.messaging.rendering import render

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.json"))


def formatted(payload: object, limit: int = 10_000) -> str:
    assert isinstance(payload, dict)
    return format_payload(payload, limit=limit)


@pytest.mark.parametrize("name", NAMES)
def test_each_fixture_gives_exactly_its_markdown(name):
    payload = json.loads((FIXTURES / f"{name}.json").read_text())
    expected = (FIXTURES / f"{name}.md").read_text().removesuffix("\n")

    assert formatted(payload) == expected


@pytest.mark.parametrize(
    ("source", "markdown"),
    [
        ("*bold* _italic_ ~struck~", "**bold** *italic* ~~struck~~"),
        ("*_both_*", "***both***"),
        ("snake_case_name and 2*3*4", "snake\\_case\\_name and 2\\*3\\*4"),
        ("* not bold *", "\\* not bold \\*"),
        ("`a *b* <c>`", "`a *b* <c>`"),
        ("```\nline 1\n  line 2\n```", "```\nline 1\n  line 2\n```"),
        ("```has ``` inside```", "```\nhas \n```\ninside\\`\\`\\`"),
        ("<https://example.com/a?b=1&amp;c=2|Example>", "[Example](https://example.com/a?b=1&c=2)"),
        ("<https://example.com>", "[https\\://example\\.com](https://example.com)"),
        ("<mailto:bob@example.com|Bob>", "Bob"),
        ("<!here> <!channel> <!everyone>", "\\@here \\@channel \\@everyone"),
        ("<@U024BE7LH> <@U024BE7LH|bob>", "\\@U024BE7LH \\@bob"),
        ("<#C024BE7LR> <#C024BE7LR|general>", "\\#C024BE7LR \\#general"),
        ("<!subteam^SAZ94GDB8|@ops>", "\\@ops"),
        ("<!date^1392734382^{date_num}|2014-02-18 6:39 AM>", "2014\\-02\\-18 6\\:39 AM"),
        ("&lt;b&gt; &amp;amp;", "\\<b\\> \\&amp;"),
        (":tada: :+1: :not_an_emoji:", "🎉 👍 \\:not\\_an\\_emoji\\:"),
        (
            "see https://example.com/x_y.",
            "see [https\\://example\\.com/x\\_y](https://example.com/x_y)\\.",
        ),
        ("&gt; quoted\n> also\nafter", "> quoted\n> also\n\nafter"),
        (
            "# not a heading\n1. not a list\n- nor this",
            "\\# not a heading\n1\\. not a list\n\\- nor this",
        ),
        ("    four spaces", "\u00a0\u00a0\u00a0\u00a0four spaces"),
        ("a < b > c", "a \\< b \\> c"),
    ],
)
def test_mrkdwn(source, markdown):
    assert mrkdwn(source) == markdown


def test_text_is_shown_only_when_there_are_no_blocks_to_show():
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "From blocks"}}]

    assert formatted({"text": "Fallback", "blocks": blocks}) == "From blocks"
    assert formatted({"text": "Fallback", "blocks": [{"type": "input"}]}) == "Fallback"


def test_mrkdwn_false_shows_the_text_as_it_is():
    assert formatted({"text": "*not bold*", "mrkdwn": False}) == "\\*not bold\\*"


def test_an_attachment_with_only_a_fallback_shows_it():
    payload = {"attachments": [{"fallback": "Build *failed*", "color": "danger"}]}

    assert formatted(payload) == "> Build **failed**"


def test_via_never_passes_for_a_member():
    body = formatted({"text": "hi", "username": "@alice <b>", "icon_emoji": ":not_one:"})

    assert body == "**\\@alice \\<b\\>** via webhook\n\nhi"


def test_nothing_to_show_is_empty():
    assert formatted({}) == ""
    assert formatted({"text": "  ", "username": None, "attachments": [{}], "blocks": [{}]}) == ""


@pytest.mark.parametrize(
    "payload",
    [
        {"text": None, "attachments": [None, 3, {"fields": [None, {"title": 3}], "ts": "x"}]},
        {"blocks": [{"type": "section", "text": "plain", "fields": "x", "accessory": 3}]},
        {"blocks": [{"type": "header", "text": None}, {"type": "context", "elements": None}]},
        {"attachments": [{"ts": 10**30, "color": "#zzzzzz", "title": ["x"]}]},
        {"blocks": [{"type": "actions", "elements": [{"type": "button", "text": None}]}]},
    ],
)
def test_odd_payloads_never_fail(payload):
    assert isinstance(formatted(payload), str)


# --- what it renders to -----------------------------------------------------------------

ALICE = {"alice": (1, "alice")}


def html_of(payload: dict[str, object]) -> tuple[str, list[int]]:
    return render(formatted(payload), ALICE)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "`<script>` ```<script>```",
        "<img src=x onerror=alert(1)>",
    ],
)
def test_html_stays_text(text):
    html, _ = html_of({"text": text, "attachments": [{"title": text, "text": text}]})

    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=" not in html.replace("onerror=alert", "")
    )
    assert "&lt;" in html


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "@alice hello"},
        {"text": "*@alice*"},
        {"text": "<@alice> <@U1|alice> <!subteam^S1|@alice>"},
        {"username": "alice", "text": "hi @alice"},
        {
            "attachments": [
                {"author_name": "@alice", "fields": [{"title": "@alice", "value": "@alice"}]}
            ]
        },
        {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "@alice"}}]},
        {"blocks": [{"type": "section", "fields": [{"type": "plain_text", "text": "@alice"}]}]},
    ],
)
def test_no_parley_mention_comes_from_a_payload(payload):
    html, mentioned = html_of(payload)

    assert mentioned == [] and 'class="mention"' not in html


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "<javascript:alert(1)|click me>"},
        {"text": "<data:text/html,hi|click me>"},
        {"text": "[click me](javascript:alert(1))"},
        {"attachments": [{"title": "click me", "title_link": "javascript:alert(1)"}]},
        {"attachments": [{"author_name": "click me", "author_link": "vbscript:x"}]},
        {"blocks": [{"type": "image", "image_url": "javascript:alert(1)", "alt_text": "x"}]},
        {
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "click me"},
                            "url": "javascript:alert(1)",
                        }
                    ],
                }
            ]
        },
    ],
)
def test_links_to_anything_but_http_stay_text(payload):
    html, _ = html_of(payload)

    assert "<a " not in html and "href" not in html


def test_a_link_label_cannot_break_out_of_the_link():
    html, _ = html_of({"text": "<https://example.com/a)b|x](javascript:alert(1))>"})

    assert html.count("<a ") == 1 and 'href="https://example.com/a%29b"' in html
    assert "javascript" not in html.split(">", 1)[0]


def test_a_long_text_is_cut_with_a_note():
    text = "word " * 8_000 + "END"  # Slack takes 40,000 characters

    body = formatted({"text": text, "attachments": [{"text": "after"}]}, limit=10_000)

    assert len(body) <= 10_000 and body.endswith(CUT_NOTE)
    assert body.startswith("word word") and "END" not in body and "after" not in body
    assert render(body)[0].endswith("allows.)</em></p>")


def test_a_long_escaped_text_is_cut_where_it_fits():
    body = formatted({"text": "*" + "<>" * 20_000}, limit=1_000)

    assert len(body) <= 1_000 and body.endswith(CUT_NOTE)
    assert len(body) > 900  # the text was shortened, not dropped


def test_parts_after_the_limit_are_left_out():
    payload = {"attachments": [{"title": f"Attachment {i}", "text": "x" * 100} for i in range(50)]}

    body = formatted(payload, limit=2_000)

    assert len(body) <= 2_000 and "Attachment 0" in body and body.endswith(CUT_NOTE)
    assert "Attachment 49" not in body
