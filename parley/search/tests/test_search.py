"""search_messages on the database in use: run on SQLite, PostgreSQL and MariaDB."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.rooms import (
    check_create_chat,
    check_create_room,
    check_join_room,
    check_leave_room,
)
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation
from parley.search.selectors import PAGE_SIZE, search_messages
from parley.search.tests.conftest import found, postgresql_only, say

pytestmark = pytest.mark.django_db(transaction=True)


def direct(sender, recipient, body: str, client_id: str) -> Conversation:
    result = check_send_message(sender, client_id=client_id, body=body, to_user_id=recipient.pk)
    return result.message.conversation


def test_words_are_found_in_any_form(chat, alice, bob):
    say(alice, chat, "We deployed the fix to production")
    say(alice, chat, "Lunch at noon?")

    assert found(bob, "deploy") == ["We deployed the fix to production"]
    assert found(bob, "deploying") == ["We deployed the fix to production"]
    assert found(bob, "PRODUCTION fix") == ["We deployed the fix to production"]
    assert found(bob, "deploy lunch") == []


def test_only_conversations_the_user_is_in(chat, alice, bob, carol):
    secret = check_create_room(carol, title="Secret", is_public=False)
    say(carol, secret.chats.get(), "the launch code is 1234")
    check_join_room(carol, chat.room)
    direct(alice, carol, "launch plans, between us", "dm-1")
    say(alice, chat, "launch party on Friday")

    assert found(bob, "launch") == ["launch party on Friday"]
    assert sorted(found(carol, "launch")) == [
        "launch party on Friday",
        "launch plans, between us",
        "the launch code is 1234",
    ]


def test_nothing_from_a_room_after_leaving_it(chat, alice, bob):
    say(alice, chat, "retro notes are up")
    assert found(bob, "retro") == ["retro notes are up"]

    check_leave_room(bob, chat.room)

    assert found(bob, "retro") == []
    assert found(bob, "from:alice") == []


def test_from(chat, alice, bob):
    say(alice, chat, "build is green")
    say(bob, chat, "build is red")

    assert found(bob, "build from:alice") == ["build is green"]
    assert found(bob, "build from:@BOB") == ["build is red"]
    assert sorted(found(bob, "from:alice from:bob")) == ["build is green", "build is red"]
    assert found(bob, "build from:nobody") == []


def test_in_a_room_by_address_or_title_covers_all_its_chats(room, chat, alice, bob):
    design = check_create_chat(alice, room, title="design")
    other = check_create_room(alice, title="Elsewhere")
    check_join_room(bob, other)
    say(alice, chat, "mockups in general")
    say(alice, design, "mockups in design")
    say(alice, other.chats.get(), "mockups elsewhere")

    by_slug = found(bob, "mockups in:design-team")
    by_title = found(bob, 'mockups in:"design team"')

    assert sorted(by_slug) == ["mockups in design", "mockups in general"]
    assert sorted(by_title) == sorted(by_slug)
    assert sorted(found(bob, "mockups in:elsewhere in:design-team")) == [
        "mockups elsewhere",
        "mockups in design",
        "mockups in general",
    ]
    assert found(bob, "mockups in:nowhere") == []


def test_in_a_direct_conversation(chat, alice, bob, carol):
    check_join_room(carol, chat.room)
    direct(alice, bob, "invoice for March", "dm-1")
    direct(carol, bob, "invoice for April", "dm-2")
    say(alice, chat, "invoice template")

    assert found(bob, "invoice in:@alice") == ["invoice for March"]
    assert found(bob, "in:@carol") == ["invoice for April"]
    assert found(bob, "invoice in:@bob") == []  # no conversation with yourself


def test_before_and_after_leave_the_day_out(chat, alice, bob):
    for day in (10, 11, 12):
        with time_machine.travel(datetime(2026, 1, day, 23, 30, tzinfo=UTC), tick=False):
            say(alice, chat, f"standup on the {day}th")

    assert found(bob, "standup before:2026-01-11") == ["standup on the 10th"]
    assert found(bob, "standup after:2026-01-11") == ["standup on the 12th"]
    assert found(bob, "after:2026-01-10 before:2026-01-12") == ["standup on the 11th"]
    assert found(bob, "standup after:2026-01-12") == []


def test_before_today_with_a_moved_clock(chat, alice, bob):
    with time_machine.travel(datetime(2026, 1, 10, 12, tzinfo=UTC), tick=False):
        say(alice, chat, "old news")
    with time_machine.travel(datetime(2026, 1, 11, 9, tzinfo=UTC), tick=False):
        say(alice, chat, "fresh news")

        assert found(bob, "news before:today") == ["old news"]
        assert found(bob, "news after:yesterday") == ["fresh news"]


def test_has_link(chat, alice, bob):
    say(alice, chat, "docs at https://example.org/docs")
    say(alice, chat, "docs are [here](https://example.org/x)")
    say(alice, chat, "docs are in the wiki")

    assert sorted(found(bob, "docs has:link")) == [
        "docs are [here](https://example.org/x)",
        "docs at https://example.org/docs",
    ]


def test_is_unread(chat, alice, bob):
    first = say(alice, chat, "ticket one")
    say(alice, chat, "ticket two")
    say(alice, chat, "ticket three")
    check_mark_read(bob, chat.pk, first.seq)

    assert found(bob, "ticket is:unread") == ["ticket three", "ticket two"]
    assert found(alice, "ticket is:unread") == []  # what you send, you have read


def test_exact_phrase(chat, alice, bob):
    say(alice, chat, "the release train leaves at noon")
    say(alice, chat, "a train for the release")
    say(alice, chat, "release the new train")

    assert found(bob, '"release train"') == ["the release train leaves at noon"]
    assert len(found(bob, "release train")) == 3


def test_excluded_words_and_phrases(chat, alice, bob):
    say(alice, chat, "deploy to staging")
    say(alice, chat, "deploy to production")
    say(alice, chat, "deploy the release train")

    assert sorted(found(bob, "deploy -staging")) == [
        "deploy the release train",
        "deploy to production",
    ]
    assert sorted(found(bob, 'deploy -"release train" -production')) == ["deploy to staging"]


def test_an_edited_message_is_found_by_its_new_text_only(chat, alice, bob):
    message = say(alice, chat, "meet at the harbour")

    check_edit_message(alice, message.pk, "meet at the station")

    assert found(bob, "station") == ["meet at the station"]
    assert found(bob, "harbour") == []


def test_a_deleted_message_is_not_found(chat, alice, bob):
    message = say(alice, chat, "my password is hunter2")
    say(alice, chat, "never mind")

    check_delete_message(alice, message.pk)

    assert found(bob, "password") == []
    assert found(bob, "hunter2") == []
    assert found(bob, "from:alice") == ["never mind"]


def test_a_moved_message_is_found_once_in_its_new_chat(room, chat, alice, bob):
    design = check_create_chat(alice, room, title="design")
    message = say(bob, chat, "new logo sketches")

    check_move_message(alice, message.pk, design.pk)

    results = search_messages(bob, "logo").results
    assert [(r.message.body, r.conversation["title"]) for r in results] == [
        ("new logo sketches", "Design Team › design")
    ]


def test_identifiers_and_parts_of_urls_match_as_substrings(chat, alice, bob):
    say(alice, chat, "the bug is in parse_frame_header() again")
    say(alice, chat, "see https://git.example.org/parley/pull/42 for the fix")
    say(alice, chat, "frame parsing is slow")

    assert found(bob, "parse_frame") == ["the bug is in parse_frame_header() again"]
    assert found(bob, "frame_head") == ["the bug is in parse_frame_header() again"]
    assert found(bob, "example.org/parley") == [
        "see https://git.example.org/parley/pull/42 for the fix"
    ]
    assert found(bob, "pull/42") == ["see https://git.example.org/parley/pull/42 for the fix"]
    assert found(bob, "-parse_frame frame") == ["frame parsing is slow"]


def test_short_words_and_stopwords_are_found_as_words(chat, alice, bob):
    say(alice, chat, "go for it")
    say(alice, chat, "gopher goes on")

    assert found(bob, "go") == ["go for it"]
    assert found(bob, '"for it"') == ["go for it"]


def test_long_words_are_found(chat, alice, bob):
    word = "pneumonoultramicroscopicsilicovolcanoconiosis" * 2  # longer than MariaDB indexes
    say(alice, chat, f"{word} is a long word")

    assert found(bob, word) == [f"{word} is a long word"]


def test_filters_alone_give_newest_first(chat, alice, bob):
    for n in range(3):
        say(alice, chat, f"note {n}")

    assert found(bob, "from:alice") == ["note 2", "note 1", "note 0"]


@postgresql_only
def test_postgresql_ranks_by_relevance_not_age(chat, alice, bob):
    say(alice, chat, "cache")
    say(alice, chat, "cache invalidation")
    say(alice, chat, "I cleared the browser cache, then went for lunch and forgot about it")

    assert found(bob, "cache") == [
        "cache",
        "cache invalidation",
        "I cleared the browser cache, then went for lunch and forgot about it",
    ]
    assert (
        found(bob, "from:alice")[0]
        == "I cleared the browser cache, then went for lunch and forgot about it"
    )


@pytest.mark.skipif(connection.vendor == "mysql", reason="MariaDB does not stem words")
def test_stemming_databases_find_and_mark_other_forms(chat, alice, bob):
    say(alice, chat, "I study at night")

    (result,) = search_messages(bob, "studies").results

    assert result.snippet == "I <mark>study</mark> at night"


@postgresql_only
def test_postgresql_phrases_match_word_forms_in_order(chat, alice, bob):
    say(alice, chat, "she was running tests all night")
    say(alice, chat, "tests running slowly")

    assert found(bob, '"run tests"') == ["she was running tests all night"]


def test_paging(chat, alice, bob):
    for n in range(PAGE_SIZE * 2 + 5):
        say(alice, chat, f"item {n}")

    pages = [search_messages(bob, "item", page) for page in (1, 2, 3, 4)]

    assert [len(p.results) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 5, 0]
    assert [p.has_next for p in pages] == [True, True, False, False]
    bodies = [r.message.body for p in pages for r in p.results]
    assert sorted(bodies) == sorted(f"item {n}" for n in range(PAGE_SIZE * 2 + 5))


def test_snippets_escape_the_text_and_mark_the_matches(chat, alice, bob):
    say(alice, chat, 'look: <script>alert("deploy")</script> & <b>deploy</b> \x02x\x03')

    (result,) = search_messages(bob, "deploy").results

    assert "<script" not in result.snippet and "<b>" not in result.snippet
    assert "\x02" not in result.snippet and "\x03" not in result.snippet
    assert "&lt;script&gt;" in result.snippet
    assert "<mark>deploy</mark>" in result.snippet
    assert result.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippets_of_long_messages_are_cut_around_the_match(chat, alice, bob):
    say(alice, chat, "word " * 100 + "needle " + "more " * 100)

    (result,) = search_messages(bob, "needle").results

    assert "<mark>needle</mark>" in result.snippet
    assert len(result.snippet) < 400


def test_results_carry_the_conversation_and_a_link_to_the_message(chat, alice, bob):
    message = say(alice, chat, "agenda for Monday")
    dm = direct(alice, bob, "agenda, privately", "dm-1")

    results = {r.message.body: r for r in search_messages(bob, "agenda").results}

    room_result = results["agenda for Monday"]
    assert room_result.conversation == {
        "id": chat.pk,
        "title": "Design Team › general",
        "kind": "chat",
    }
    assert room_result.url == f"/chat/{chat.pk}/?at={message.seq}"
    assert results["agenda, privately"].conversation == {
        "id": dm.pk,
        "title": "Alice Liddell",
        "kind": "direct",
    }


def test_query_count_does_not_grow_with_the_page(chat, alice, bob, django_assert_num_queries):
    for n in range(PAGE_SIZE):
        say(alice, chat, f"entry {n}")
    direct(alice, bob, "entry, privately", "dm-1")
    search_messages(bob, "warm")  # MariaDB reads its full-text settings once per process
    # The page, the words the database matched (not on MariaDB), the people of the DMs.
    expected = 2 if connection.vendor == "mysql" else 3

    with django_assert_num_queries(expected):
        page = search_messages(bob, "entry")
        page.as_dict()

    assert len(page.results) == PAGE_SIZE


def test_snippets_show_the_text_not_its_markdown(chat, alice, bob):
    say(alice, chat, "**Deploy** the [fix](https://example.org) with `make ship`\n> quoted")

    [result] = search_messages(bob, "deploy").results
    assert str(result.snippet) == "<mark>Deploy</mark> the fix with make ship quoted"
