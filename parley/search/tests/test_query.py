"""The query language, parsed without a database."""

from datetime import date

import pytest

from parley.core.errors import ErrorCode, ParleyError
from parley.search.query import SearchQuery, Term, parse_query

TODAY = date(2026, 3, 15)


def parse(text: str) -> SearchQuery:
    return parse_query(text, today=TODAY)


def refusal(text: str) -> str:
    with pytest.raises(ParleyError) as caught:
        parse(text)
    assert caught.value.code == ErrorCode.INVALID
    assert caught.value.status == 400
    return caught.value.message


def test_words_phrases_and_exclusions():
    query = parse('deploy  "exact   phrase" -staging -"old build" fix')

    assert query.terms == (Term("deploy"), Term("exact phrase", phrase=True), Term("fix"))
    assert query.excluded == (Term("staging"), Term("old build", phrase=True))


def test_an_unclosed_quote_runs_to_the_end():
    assert parse('say "hello there').terms == (Term("say"), Term("hello there", phrase=True))


def test_a_quote_ends_a_word():
    assert parse('foo"bar baz"').terms == (Term("foo"), Term("bar baz", phrase=True))


def test_a_lone_dash_and_punctuation_are_ignored():
    assert parse("deploy - -- … fix-").terms == (Term("deploy"), Term("fix-"))


def test_words_with_a_colon_that_are_not_operators_are_words():
    query = parse("https://example.com/a TODO: login:x")

    assert [t.text for t in query.terms] == ["https://example.com/a", "TODO:", "login:x"]


def test_operators():
    query = parse(
        "from:alice FROM:@Bob in:design in:@carol has:link is:unread "
        "before:2026-02-01 after:2026-01-01"
    )

    assert query.senders == ("alice", "Bob")
    assert query.rooms == ("design",)
    assert query.direct_with == ("carol",)
    assert query.has_link and query.unread
    assert query.before == date(2026, 2, 1)
    assert query.after == date(2026, 1, 1)
    assert query.terms == ()


def test_quoted_operator_values():
    query = parse('in:"Design Team" from:"alice" deploy')

    assert query.rooms == ("Design Team",)
    assert query.senders == ("alice",)
    assert query.terms == (Term("deploy"),)


def test_today_and_yesterday_and_the_tightest_of_repeated_dates():
    query = parse("before:today before:2026-03-20 after:yesterday after:2026-01-01")

    assert query.before == TODAY
    assert query.after == date(2026, 3, 14)


@pytest.mark.parametrize("value", ["2026-02-30", "31/01/2026", "tomorrow", "2026-1-5", "20260105"])
def test_a_bad_date_says_how_to_write_one(value):
    assert refusal(f"before:{value}") == (
        f"“{value}” is not a date: write before:YYYY-MM-DD, e.g. before:2026-01-31."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type something to search for."),
        ("   ", "Type something to search for."),
        ("-- …", "Type something to search for."),
        ("from:", "from: needs a value, e.g. from:alice."),
        ("in:@", "in: needs a username, e.g. in:alice."),
        ('from:"a b"', "from: needs a username, e.g. from:alice."),
        ("has:video", "has: can be has:link, has:attachment or has:image, not has:video."),
        ("is:read", "is: can only be is:unread, not is:read."),
        ("-from:alice", "Only words and phrases can be excluded with “-”, not from:."),
        ("x" * 301, "A search can be at most 300 characters."),
        (" ".join(f"w{n}" for n in range(11)), "Search for at most 10 words and phrases at once."),
    ],
)
def test_bad_queries_are_refused_with_a_reason(text, message):
    assert refusal(text) == message


def test_literal_terms_are_also_matched_as_substrings():
    assert Term("parse_frame").literal
    assert Term("example.com/docs").literal
    assert Term("exact phrase", phrase=True).literal
    assert not Term("deploy").literal
    assert not Term("v2").literal  # too short to be worth a substring scan


def test_stems_for_prefix_matches():
    assert Term("deploying").stem == "deploy"
    assert Term("deployed").stem == "deploy"
    assert Term("uses").stem == "uses"
    assert Term("bus").stem == "bus"


def test_control_characters_are_spaces():
    assert parse("foo\x00bar\x02").terms == (Term("foo"), Term("bar"))
