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
