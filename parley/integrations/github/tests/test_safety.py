"""Whatever a payload holds, the formatter answers, and what it writes shows as text.

GitHub's text (titles, logins, branch names, commit messages, labels, comments) must not
become Parley markup, links, HTML or @mentions, and no null, missing key or odd type in a
payload may raise: a delivery either posts a storable message or posts nothing.
"""

import html
import re

import pytest
from django.conf import settings

from parley.core.validation import text_problem
from parley.integrations.github import FormattedPost, format_event
from parley.integrations.github.tests.fixtures import delivery, names
from parley.messaging.rendering import render

EVIL = "<script>alert(1)</script> @everyone **x**"
# Members whose names the payloads below use, as the renderer would be given them.
MENTIONABLE = {"everyone": (1, "everyone"), "codertocat": (2, "Codertocat")}


def _check(post: FormattedPost | None) -> None:
    if post is None:
        return
    assert post.body and len(post.body) <= settings.MESSAGE_MAX_CHARS
    assert text_problem(post.body) is None
    assert post.topic and len(post.topic) <= 80 and "\n" not in post.topic
    assert text_problem(post.topic) is None


def test_a_pull_request_title_renders_as_text():
    payload = delivery("pull_request__opened").payload
    payload["pull_request"]["title"] = EVIL
    post = format_event("pull_request", payload)
    assert post is not None
    rendered, mentioned = render(post.body, MENTIONABLE)
    assert mentioned == []
    assert "<script" not in rendered
    assert "<strong>x</strong>" not in rendered and "<em>" not in rendered
    assert 'class="mention"' not in rendered
    assert "#2 &lt;script&gt;alert(1)&lt;/script&gt; @everyone **x**</a>" in rendered


# Fields whose value chooses what is posted: replaced, the payload would post nothing.
CONTROL = {"action", "ref_type", "state", "conclusion", "state_reason", "status"}


def _poison(value, key=""):
    """`value` with every string GitHub's users or apps could write replaced by EVIL
    (branch and tag refs keep their refs/heads/ or refs/tags/ prefix)."""
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    if not isinstance(value, str) or key in CONTROL:
        return value
    if key in ("ref", "base_ref") and value.startswith(("refs/heads/", "refs/tags/")):
        return value[: value.index("/", 5) + 1] + EVIL
    return EVIL


@pytest.mark.parametrize("name", names())
def test_text_from_github_never_becomes_markup_links_or_mentions(name):
    fixture = delivery(name)
    post = format_event(fixture.event, _poison(fixture.payload), include_successes=True)
    if post is None:
        assert format_event(fixture.event, fixture.payload, include_successes=True) is None
        return
    _check(post)
    rendered, mentioned = render(post.body, MENTIONABLE)
    assert mentioned == []
    assert "<script" not in rendered and "<a " not in rendered  # every URL became EVIL
    assert "<em>" not in rendered and "<strong>x</strong>" not in rendered
    # Only the formatter's own markup is left: the text is EVIL, shown as it is.
    assert set(re.findall(r"</?([a-z0-9]+)", rendered)) <= {
        "p", "br", "strong", "code", "ul", "li", "blockquote",
    }  # fmt: skip
    assert html.escape(EVIL, quote=False) in rendered


def _paths(value, path=()):
    """Every (container, key) in a parsed payload, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _paths(item, (*path, index))


REPLACEMENTS: tuple[object, ...] = (None, "", 0, True, [], {}, "refs/heads/\x00\ud800")


@pytest.mark.parametrize("name", names())
def test_no_null_missing_key_or_odd_type_raises(name):
    """Each field of each payload in turn set to null (and to other types), or removed:
    the formatter answers every time with a storable message or None."""
    fixture = delivery(name)
    payload = fixture.payload
    for container, key in list(_paths(payload)):
        original = container[key]
        for replacement in REPLACEMENTS:
            container[key] = replacement
            for successes in (False, True):
                _check(format_event(fixture.event, payload, include_successes=successes))
        if isinstance(container, dict):
            del container[key]
            _check(format_event(fixture.event, payload, include_successes=True))
        container[key] = original
    assert payload == fixture.payload  # every change was undone, so each was tried alone


@pytest.mark.parametrize("payload", [None, [], "push", 3, {}, {"action": None}])
@pytest.mark.parametrize("event", ["push", "pull_request", "ping", "issues", "check_run"])
def test_payloads_that_are_not_github_objects_post_nothing_or_something_plain(event, payload):
    _check(format_event(event, payload))
