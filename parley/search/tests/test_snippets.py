"""Snippets are built from the message body: escaped, cut, the matches marked."""

from parley.search.query import Term
from parley.search.snippets import WIDTH, snippet


def test_all_text_is_escaped_and_only_marks_are_html():
    html = snippet('<img src=x onerror="alert(1)"> & deploy', (Term("deploy"),))

    assert html == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; <mark>deploy</mark>"


def test_words_the_database_matched_are_marked_whole():
    html = snippet("we study and restudy at the studio", (Term("studies"),), {"study"})

    assert html == "we <mark>study</mark> and restudy at the studio"


def test_matched_words_that_look_like_html_are_escaped_inside_the_mark():
    assert snippet("a <b> c", (), {"<b>"}) == "a <mark>&lt;b&gt;</mark> c"


def test_where_the_database_cannot_say_plain_words_match_as_prefixes_of_their_stem():
    html = snippet("Deployed, redeploy, deployment", (Term("deploying"),), None)

    assert html == "<mark>Deployed</mark>, redeploy, <mark>deployment</mark>"


def test_literal_terms_and_phrases_match_anywhere():
    html = snippet(
        "call parse_frame_header() then the release\n  train",
        (Term("frame_head"), Term("release train", phrase=True)),
    )

    assert html == "call parse_<mark>frame_head</mark>er() then the <mark>release train</mark>"


def test_sentinel_characters_in_the_body_are_dropped():
    assert snippet("a\x02b\x03c deploy", (Term("deploy"),)) == "abc <mark>deploy</mark>"


def test_long_messages_are_cut_around_the_first_match_at_spaces():
    body = (
        " ".join(f"w{n}" for n in range(200)) + " needle " + " ".join("x" * 5 for _ in range(100))
    )

    html = snippet(body, (Term("needle"),))

    assert html.startswith("…w") and html.endswith("…")
    assert "<mark>needle</mark>" in html
    text = html.replace("<mark>", "").replace("</mark>", "")
    assert len(text) <= WIDTH + 2
    assert " w1 " not in text  # the start was cut away
    words = text.strip("…").split(" ")
    assert all(w.startswith("w") or w in ("needle", "xxxxx") for w in words)


def test_without_words_the_snippet_is_the_start():
    body = "first " + "word " * 100

    html = snippet(body, ())

    assert html.startswith("first word") and html.endswith("…")
    assert "<mark>" not in html
