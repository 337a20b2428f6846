"""Rendering's shortcut for plain bodies gives exactly what the Markdown parser and the
sanitiser give."""

import random
import string

from parley.messaging.rendering import _clean, _parser, render

PLAIN_CHARACTERS = string.ascii_letters + string.digits + ",?!'"


def full_render(source: str) -> str:
    """The path the shortcut skips: markdown-it, then nh3."""
    return _clean(_parser().render(source, {"mentionable": {}}))


def test_plain_bodies_render_as_the_parser_and_sanitiser_would():
    rng = random.Random(3)
    bodies = ["a", "Ok", "Lunch at 12?", "Don't", "yes!!", "1", "12 3", "wow, ok?!", "x'y'z"]
    for _ in range(2000):
        words = ["".join(rng.choices(PLAIN_CHARACTERS, k=rng.randint(1, 8)))
                 for _ in range(rng.randint(1, 12))]  # fmt: skip
        bodies.append(" ".join(words))

    for body in bodies:
        assert render(body) == (full_render(body), []), body


def test_anything_else_takes_the_parser():
    for body in ["**bold**", "a  b", " a", "a.com", "x\ny", "<b>", "a & b", "@bob", "1. one"]:
        assert render(body)[0] == full_render(body), body
    assert render("see example.com")[0] == (
        '<p>see <a href="http://example.com" target="_blank" '
        'rel="noopener noreferrer nofollow">example.com</a></p>'
    )


def test_a_quote_ends_at_the_first_line_without_a_marker():
    assert render("> quote\nnext line")[0] == (
        "<blockquote>\n<p>quote</p>\n</blockquote>\n<p>next line</p>"
    )
    assert render("> a\n> b\nc\nd")[0] == (
        "<blockquote>\n<p>a<br>\nb</p>\n</blockquote>\n<p>c<br>\nd</p>"
    )
    # Inside fenced code nothing changes; a quote still takes a blank line to end.
    assert render("```\n> x\ny\n```")[0] == "<pre><code>&gt; x\ny\n</code></pre>"
    assert render("> a\n\nb")[0] == render("> a\nb")[0]
    assert render("> ```\n> code\n> ```\nafter")[0].endswith("</blockquote>\n<p>after</p>")


def test_fenced_code_in_a_known_language_is_highlighted_and_escaped():
    html = render('```python\nprint("<b>")  # hi\n```')[0]

    assert html == (
        '<pre><code class="language-python"><span class="tok-nb">print</span>'
        '<span class="tok-p">(</span><span class="tok-s2">"&lt;b&gt;"</span>'
        '<span class="tok-p">)</span>  <span class="tok-c1"># hi</span>\n</code></pre>'
    )
    # Unknown, missing or hostile languages stay plain and escaped.
    assert (
        render("```nosuch\nx<y\n```")[0]
        == '<pre><code class="language-nosuch">x&lt;y\n</code></pre>'
    )
    assert render("```\nx<y\n```")[0] == "<pre><code>x&lt;y\n</code></pre>"
    hostile = render('```"><script>alert(1)</script>\nx\n```')[0]
    assert "<script" not in hostile and "x\n</code></pre>" in hostile


def test_shortcodes_render_as_their_emoji():
    """`:name:` of a known emoji (its CLDR name or a Slack/GitHub alias, any case) is the
    emoji; anything else, and anything in code, stays as typed."""
    assert render(":tada: shipped")[0] == "<p>🎉 shipped</p>"
    assert render("ok :+1: and :thumbs_up: and :TADA:")[0] == "<p>ok 👍 and 👍 and 🎉</p>"
    assert render(":thumbs_up_medium_skin_tone:")[0] == "<p>👍🏽</p>"
    assert render("no :such_emoji_here: here")[0] == "<p>no :such_emoji_here: here</p>"
    assert render("at 10:30:45")[0] == "<p>at 10:30:45</p>"
    assert render("`:tada:`")[0] == "<p><code>:tada:</code></p>"
    assert render("::tada::")[0] == "<p>:🎉:</p>"
    assert render(":" + "a" * 90 + ":")[0] == "<p>:" + "a" * 90 + ":</p>"
