"""The chat experience end to end (issue #4): two people in two browsers, over the real
WebSocket of the ASGI application.

What one person does to a message (react, reply, mention, edit, delete, move) appears
live for the other; search finds a message and opens its chat at it; typing shows and
clears; the keys of the composer; the pane's day separators, unread line and jump to the
newest message; the phone-width layout.
"""

import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from parley.accounts.models import Friendship, User
from parley.core.testing.clients import client_for
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.react import check_react
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.rooms import check_create_chat, check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenAs = Callable[..., Page]


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture(autouse=True)
def _no_send_limit(settings) -> None:
    settings.SEND_RATE_BURST = 1000


@pytest.fixture
def team(alice: User, bob: User) -> Conversation:
    """Alice's room "Team" with Bob in it: its default chat, "general"."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room.chats.get()


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> OpenAs:
    """A signed-in page for `user` (their own browser context) at `path`, connected."""

    def open_page(user: User, path: str, *, width: int = 1280, height: int = 800) -> Page:
        page = new_page()
        page.set_viewport_size({"width": width, "height": height})
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.goto(path)
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page


def say(user: User, conversation: Conversation, body: str, **extra) -> Message:
    return check_send_message(
        user,
        client_id=f"t{Message.objects.count()}-{user.pk}",
        body=body,
        conversation_id=conversation.pk,
        **extra,
    ).message


def log(page: Page) -> Locator:
    return page.get_by_role("log")


def message(page: Page, text: str, *, mine: bool | None = None) -> Locator:
    """The message (article) whose text contains `text` (a reply's quote counts too, so
    `mine` tells the viewer's own messages from the others')."""
    kind = {None: "", True: ".is-mine", False: ":not(.is-mine)"}[mine]
    return log(page).locator(f"article.ch-msg{kind}").filter(has_text=text)


def composer(page: Page) -> Locator:
    return page.locator("#ch-input")


def send(page: Page, text: str) -> None:
    composer(page).fill(text)
    composer(page).press("Enter")


def action(page: Page, text: str, name: str, *, mine: bool | None = None) -> None:
    """Hover the message with `text` and press its toolbar's button `name`."""
    message(page, text, mine=mine).hover()
    message(page, text, mine=mine).get_by_role("toolbar", name="Message actions").get_by_role(
        "button", name=name
    ).click()


def menu_item(page: Page, menu: str, name: str) -> Locator:
    return page.get_by_role("menu", name=menu).get_by_role("menuitem", name=name)


def test_reactions_replies_mentions_edits_and_deletes_appear_live_for_the_other(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    send(alice_page, "Lunch at **noon**?")
    expect(message(bob_page, "Lunch at noon?")).to_be_visible()

    # Bob reacts with a thumbs-up from the message's toolbar; Alice sees the count.
    action(bob_page, "Lunch at noon?", "Add reaction")
    menu_item(bob_page, "Reactions", "React with 👍").click()
    chip = message(alice_page, "Lunch at noon?").get_by_role("button", name=re.compile("^👍 1"))
    expect(chip).to_have_attribute("aria-pressed", "false")
    expect(chip).to_have_attribute("title", "Bob Marley")  # who reacted
    bob_chip = message(bob_page, "Lunch at noon?").get_by_role("button", name=re.compile("^👍 1"))
    expect(bob_chip).to_have_attribute("aria-pressed", "true")
    # Alice adds hers by pressing the chip.
    chip.click()
    both = message(bob_page, "Lunch at noon?").get_by_role("button", name=re.compile("^👍 2"))
    expect(both).to_have_attribute("title", "Bob Marley and Alice Liddell")

    # Bob replies, mentioning Alice through the suggestions.
    action(bob_page, "Lunch at noon?", "Reply")
    expect(bob_page.locator("#ch-context")).to_contain_text("Replying to Alice Liddell")
    box = composer(bob_page)
    box.press_sequentially("Yes @ali")
    suggestion = bob_page.get_by_role("listbox", name="People to mention").get_by_role(
        "option", name=re.compile("Alice Liddell")
    )
    expect(suggestion).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("Yes @alice ")
    box.press_sequentially("see you there")
    box.press("Enter")
    expect(bob_page.locator("#ch-context")).to_be_hidden()

    reply = message(alice_page, "see you there")
    expect(reply.get_by_role("link", name="Reply to Alice Liddell: Lunch at noon?")).to_be_visible()
    expect(reply).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(reply.locator(f'.mention[data-user="{alice.pk}"]')).to_have_text("@alice")
    # The quote leads to the message it answers, in the same page.
    alice_page.evaluate("window.sameDocument = true")
    reply.get_by_role("link", name="Reply to Alice Liddell: Lunch at noon?").click()
    expect(message(alice_page, "Lunch at noon?", mine=True)).to_have_class(
        re.compile(r"\bis-target\b")
    )
    expect(alice_page).to_have_url(re.compile(rf"/chat/{team.pk}/\?at=\d+$"))
    assert alice_page.evaluate("window.sameDocument") is True

    # Alice edits her message with Up in the empty composer; Bob sees it and the quote.
    composer(alice_page).click()
    composer(alice_page).press("ArrowUp")
    expect(composer(alice_page)).to_have_value("Lunch at **noon**?")
    expect(alice_page.locator("#ch-context")).to_contain_text("Editing your message")
    composer(alice_page).fill("Lunch at **one**?")
    composer(alice_page).press("Enter")
    edited = message(bob_page, "Lunch at one?", mine=False)
    expect(edited.get_by_role("button", name="Edited: show earlier versions")).to_be_visible()
    expect(edited.get_by_role("button", name=re.compile("^👍 2"))).to_be_visible()
    expect(
        message(bob_page, "see you there").get_by_role(
            "link", name="Reply to Alice Liddell: Lunch at one?"
        )
    ).to_be_visible()

    # Bob reads the earlier versions.
    edited.get_by_role("button", name="Edited: show earlier versions").click()
    versions = bob_page.get_by_role("dialog", name="Earlier versions")
    expect(versions.locator(".ch-versions li")).to_have_count(2)
    expect(versions.locator(".ch-versions li").last).to_contain_text("Lunch at noon?")
    versions.get_by_role("button", name="Close").click()
    expect(versions).to_be_hidden()

    # Alice deletes it while Bob starts another reply to it: his reply is called off.
    action(bob_page, "Lunch at one?", "Reply", mine=False)
    expect(bob_page.locator("#ch-context")).to_contain_text("Replying to Alice Liddell")
    action(alice_page, "Lunch at one?", "More actions", mine=True)
    menu_item(alice_page, "More actions", "Delete").click()
    alice_page.get_by_role("dialog", name="Delete this message?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(bob_page.locator("#ch-context")).to_be_hidden()
    expect(bob_page.get_by_role("alert")).to_have_text(
        "The message you were answering was deleted or moved."
    )
    for page in (bob_page, alice_page):
        expect(message(page, "This message was deleted.")).to_be_visible()
        expect(log(page)).not_to_contain_text("Lunch at one?")
    expect(
        message(bob_page, "see you there").get_by_role(
            "link", name="Reply to Alice Liddell: Original message deleted"
        )
    ).to_be_visible()
    # Nothing was shown twice, and every change is one message in the pane.
    expect(log(bob_page).locator("article.ch-msg")).to_have_count(2)


def test_a_mention_elsewhere_shows_a_mention_badge_until_read(
    alice: User, bob: User, open_as: OpenAs
) -> None:
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    general = room.chats.get()
    side = check_create_chat(alice, room, title="side")
    bob_page = open_as(bob, f"/chat/{general.pk}/")
    alice_page = open_as(alice, f"/chat/{side.pk}/")

    send(alice_page, "@bob can you check this?")
    link = (
        bob_page.get_by_role("navigation", name="Conversations")
        .get_by_role("list", name="Team", exact=True)
        .get_by_role("link", name=re.compile("side"))
    )
    expect(link.get_by_label("1 mention")).to_have_text("@1")
    expect(link.get_by_label("1 unread")).to_have_text("1")
    expect(bob_page).to_have_title("(1) Team › general · Parley")
    link.click()
    expect(message(bob_page, "can you check this?")).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(link.locator(".badge")).to_have_count(0)
    expect(bob_page).to_have_title("Team › side · Parley")


def test_a_search_finds_a_message_and_opens_its_chat_at_it(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    for n in range(1, 121):
        say(alice, team, "The zanzibar plan, step one" if n == 10 else f"filler {n}")
    needle = Message.objects.get(body__contains="zanzibar")
    team.refresh_from_db()
    check_mark_read(bob, team.pk, team.last_seq)  # Bob opens at the newest page, not the unread
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    expect(log(bob_page)).not_to_contain_text("zanzibar")

    # On the chat page the top bar's search shows its results in a panel beside the pane.
    search = bob_page.get_by_role("search", name="Search messages").get_by_role("searchbox")
    search.fill("-from:alice")
    search.press("Enter")
    panel = bob_page.get_by_role("region", name=re.compile("Search results for"))
    expect(panel).to_be_visible()
    expect(panel.get_by_role("alert")).not_to_be_empty()
    search.fill("nothingmatchesthis")
    search.press("Enter")
    expect(panel).to_contain_text("No messages found.")
    expect(panel.get_by_role("alert")).to_have_count(0)  # the error is gone
    search.press("Escape")
    expect(panel).to_be_hidden()

    search.fill("zanzibar")
    search.press("Enter")
    panel = bob_page.get_by_role("region", name="Search results for “zanzibar”")
    expect(panel).to_be_visible()
    expect(bob_page).to_have_url(re.compile(rf"/chat/{team.pk}/$"))
    result = panel.get_by_role("listitem")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(alice.name)
    expect(result).to_contain_text(team.title)
    expect(panel.get_by_role("button", name="More results")).to_be_hidden()
    bob_page.evaluate("() => { window.__stillHere = true; }")  # gone if the page reloads
    result.get_by_role("link", name=re.compile("zanzibar plan")).click()

    expect(bob_page).to_have_url(re.compile(rf"/chat/{team.pk}/\?at={needle.seq}$"))
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    target = message(bob_page, "The zanzibar plan, step one")
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    expect(target).to_be_in_viewport()
    # Older and newer pages load as the reader scrolls; the newest is one click away.
    jump = bob_page.get_by_role("button", name=re.compile("Jump to newest"))
    expect(jump).to_be_visible()
    jump.click()
    expect(message(bob_page, "filler 120")).to_be_in_viewport()

    # A message sent now arrives at the bottom, as usual.
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    send(alice_page, "found it?")
    expect(message(bob_page, "found it?")).to_be_visible()
    # The panel stays open beside the pane; Close closes it. The page was never reloaded.
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Close search results").click()
    expect(panel).to_be_hidden()
    assert bob_page.evaluate("() => window.__stillHere") is True

    # Without the panel (no JavaScript, or a link), /search/?q= is still a page of results.
    bob_page.goto("/search/?q=zanzibar")
    page_result = bob_page.get_by_role("link", name=re.compile("zanzibar plan"))
    expect(page_result).to_have_count(1)
    page_result.click()
    expect(bob_page).to_have_url(re.compile(rf"/chat/{team.pk}/\?at={needle.seq}$"))
    found = message(bob_page, "The zanzibar plan, step one")
    expect(found).to_have_class(re.compile(r"\bis-target\b"))


def test_history_pages_through_a_stream_with_holes_in_the_message_seqs(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    for n in range(1, 71):
        sent = say(alice, team, f"message {n}")
        if n % 10 == 0:  # an edit takes the next seq: message seqs skip it
            check_edit_message(alice, sent.pk, f"message {n} (fixed)")
    team.refresh_from_db()
    check_mark_read(bob, team.pk, team.last_seq)
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    texts = log(bob_page).locator("article.ch-msg .ch-msg-body")
    expect(texts).to_have_count(50)
    expect(texts.last).to_have_text("message 70 (fixed)")

    texts.first.scroll_into_view_if_needed()
    expect(texts).to_have_count(70)
    expect(bob_page.get_by_text("This is the start of the conversation.")).to_be_visible()
    seqs = (
        log(bob_page)
        .locator("article.ch-msg")
        .evaluate_all("a => a.map(m => Number(m.dataset.seq))")
    )
    assert seqs == sorted(set(seqs)) and len(seqs) == 70
    assert seqs[-1] == team.last_seq - 1  # the last event is the edit of message 70
    expect(log(bob_page).get_by_role("button", name="Edited: show earlier versions")).to_have_count(
        7
    )


def test_typing_shows_and_clears_for_the_other(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    typing = bob_page.locator("#ch-typing")
    expect(typing).to_be_empty()

    composer(alice_page).press_sequentially("Hold on")
    expect(typing).to_have_text("Alice Liddell is typing…")
    # Emptying the composer stops it.
    composer(alice_page).fill("")
    composer(alice_page).dispatch_event("input")
    expect(typing).to_be_empty()

    # So does sending.
    composer(alice_page).press_sequentially("Done")
    expect(typing).to_have_text("Alice Liddell is typing…")
    composer(alice_page).press("Enter")
    expect(message(bob_page, "Done")).to_be_visible()
    expect(typing).to_be_empty()


def test_escape_cancels_a_reply_and_an_edit(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    say(bob, team, "first")
    say(alice, team, "mine")
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    box = composer(alice_page)

    box.fill("half a thought")
    box.press("ArrowUp")  # not empty: no edit
    expect(alice_page.locator("#ch-context")).to_be_hidden()
    box.fill("")
    box.press("ArrowUp")
    expect(box).to_have_value("mine")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(alice_page.locator("#ch-context")).to_be_hidden()

    action(alice_page, "first", "Reply")
    expect(alice_page.locator("#ch-context")).to_contain_text("Replying to Bob Marley")
    expect(box).to_be_focused()
    box.press("Escape")
    expect(alice_page.locator("#ch-context")).to_be_hidden()
    box.fill("plain")
    box.press("Enter")
    expect(message(alice_page, "plain").locator(".ch-reply")).to_have_count(0)


def test_the_message_actions_work_from_the_keyboard(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    say(alice, team, "older one")
    say(alice, team, "newest one")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    log(bob_page).focus()
    bob_page.keyboard.press("ArrowUp")
    expect(message(bob_page, "newest one")).to_be_focused()
    bob_page.keyboard.press("ArrowUp")
    expect(message(bob_page, "older one")).to_be_focused()
    bob_page.keyboard.press("ArrowDown")
    newest = message(bob_page, "newest one")
    expect(newest).to_be_focused()
    toolbar = newest.get_by_role("toolbar", name="Message actions")
    expect(toolbar).to_be_visible()

    bob_page.keyboard.press("Tab")
    expect(toolbar.get_by_role("button", name="Add reaction")).to_be_focused()
    bob_page.keyboard.press("Enter")
    reactions = bob_page.get_by_role("menu", name="Reactions")
    expect(reactions.get_by_role("menuitem", name="React with 👍")).to_be_focused()
    bob_page.keyboard.press("ArrowRight")
    expect(reactions.get_by_role("menuitem", name="React with ❤️")).to_be_focused()
    bob_page.keyboard.press("Enter")
    expect(reactions).to_be_hidden()
    chip = newest.get_by_role("button", name=re.compile("^❤️ 1"))
    expect(chip).to_have_attribute("aria-pressed", "true")

    # Escape closes a menu and gives the focus back to its button.
    more = toolbar.get_by_role("button", name="More actions")
    more.focus()
    bob_page.keyboard.press("Enter")
    expect(bob_page.get_by_role("menu", name="More actions")).to_be_visible()
    expect(menu_item(bob_page, "More actions", "Copy link")).to_be_focused()
    bob_page.keyboard.press("Escape")
    expect(bob_page.get_by_role("menu", name="More actions")).to_be_hidden()
    expect(more).to_be_focused()
    # Someone else's message: no Edit or Delete for a member.
    bob_page.keyboard.press("Enter")
    items = bob_page.get_by_role("menu", name="More actions").get_by_role("menuitem")
    expect(items).to_have_text(["Copy link"])


def test_the_preview_renders_markdown_as_it_will_be_sent(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    composer(alice_page).fill("**bold** and @bob")
    preview_button = alice_page.get_by_role("button", name="Preview")
    preview_button.click()
    preview = alice_page.locator("#ch-preview")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.locator(".mention")).to_have_text("@bob")
    expect(composer(alice_page)).to_be_hidden()
    alice_page.get_by_role("button", name="Write").click()
    expect(composer(alice_page)).to_have_value("**bold** and @bob")


def test_an_admin_moves_a_message_and_the_old_place_links_to_the_new(
    alice: User, bob: User, open_as: OpenAs
) -> None:
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    general = room.chats.get()
    side = check_create_chat(alice, room, title="side")
    say(bob, general, "this belongs elsewhere")
    alice_page = open_as(alice, f"/chat/{general.pk}/")
    bob_page = open_as(bob, f"/chat/{general.pk}/")

    action(alice_page, "this belongs elsewhere", "More actions")
    menu_item(alice_page, "More actions", "Move to another chat…").click()
    dialog = alice_page.get_by_role("dialog", name="Move this message")
    dialog.get_by_label("To chat").select_option(label="Team › side")
    dialog.get_by_role("button", name="Move").click()

    tombstone = message(bob_page, "This message was moved to")
    expect(tombstone.get_by_role("link", name="Team › side")).to_be_visible()
    tombstone.get_by_role("link", name="Team › side").click()
    expect(bob_page).to_have_url(re.compile(rf"/chat/{side.pk}/\?message=\d+$"))
    moved = message(bob_page, "this belongs elsewhere")
    expect(moved).to_have_class(re.compile(r"\bis-target\b"))
    expect(moved).to_contain_text("Moved here from Team › general")


def test_day_separators_unread_line_and_grouping(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    say(alice, team, "two days ago")
    say(alice, team, "yesterday one")
    say(alice, team, "yesterday two")
    say(bob, team, "bob read up to here")  # sending moves Bob's read marker
    say(alice, team, "new today")
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    stamps = [
        noon - timedelta(days=2),
        noon - timedelta(days=1),
        noon - timedelta(days=1) + timedelta(seconds=30),
        noon - timedelta(minutes=5),
        noon,
    ]
    for m, at in zip(Message.objects.order_by("seq"), stamps, strict=True):
        Message.objects.filter(pk=m.pk).update(created_at=at)
    bob_page = open_as(bob, f"/chat/{team.pk}/")

    expect(log(bob_page).locator("article.ch-msg")).to_have_count(5)
    shape = (
        log(bob_page)
        .locator(":scope > *")
        .evaluate_all(
            """nodes => nodes.map(n =>
                 n.matches('.ch-unread') ? 'NEW' : n.matches('.ch-day') ? 'DAY ' + n.textContent
                 : n.matches('.ch-msg') ? n.dataset.seq : null).filter(Boolean)"""
        )
    )
    assert shape[0].startswith("DAY ") and shape[1:] == [
        "1",
        "DAY Yesterday",
        "2",
        "3",
        "DAY Today",
        "4",
        "NEW",
        "5",
    ]
    separators = log(bob_page).get_by_role("separator")
    expect(separators.filter(has_text="New messages")).to_have_count(1)
    # The second message of a run by the same sender is grouped under the first.
    expect(message(bob_page, "yesterday two")).to_have_class(re.compile(r"\bis-continued\b"))
    expect(message(bob_page, "yesterday one")).not_to_have_class(re.compile(r"\bis-continued\b"))


def test_at_phone_width_the_list_and_the_pane_are_separate_screens(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    say(alice, team, "hi from the desk")
    bob_page = open_as(bob, f"/chat/{team.pk}/", width=390, height=844)
    conversations = bob_page.get_by_role("navigation", name="Conversations")
    expect(message(bob_page, "hi from the desk")).to_be_visible()
    expect(conversations).to_be_hidden()
    bob_page.get_by_role("button", name="Back to conversations").click()
    expect(conversations).to_be_visible()
    expect(bob_page.locator("#ch-pane")).to_be_hidden()
    conversations.get_by_role("link", name=re.compile("general")).click()
    expect(message(bob_page, "hi from the desk")).to_be_visible()
    # Search results take the whole screen; Close goes back, and a result opens the pane.
    # The search box is in the menu of the one-row header.
    bob_page.get_by_role("button", name="Menu").click()
    search = bob_page.get_by_role("search", name="Search messages").get_by_role("searchbox")
    search.fill("desk")
    search.press("Enter")  # which closes the menu
    panel = bob_page.get_by_role("region", name=re.compile("Search results for"))
    expect(panel.get_by_role("link", name=re.compile("hi from the desk"))).to_be_visible()
    expect(bob_page.locator("#ch-pane")).to_be_hidden()
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 390
    panel.get_by_role("button", name="Close search results").click()
    expect(panel).to_be_hidden()
    expect(message(bob_page, "hi from the desk")).to_be_visible()
    bob_page.get_by_role("button", name="Menu").click()
    search.press("Enter")
    panel.get_by_role("link", name=re.compile("hi from the desk")).click()
    expect(panel).to_be_hidden()
    expect(message(bob_page, "hi from the desk")).to_have_class(re.compile(r"\bis-target\b"))
    # Nothing is wider than the screen.
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_presence_dots_follow_the_other_persons_pages(
    open_as: OpenAs, alice: User, bob: User
) -> None:
    low, high = sorted((alice, bob), key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high)
    hello = check_send_message(alice, client_id="hello-dm", body="hi Bob", to_user_id=bob.pk)
    bob_page = open_as(bob, f"/chat/{hello.message.conversation_id}/")
    direct = bob_page.get_by_role("navigation", name="Conversations").get_by_role(
        "link", name=re.compile("Alice Liddell")
    )
    dot = direct.locator(f'.ch-dot[data-presence="{alice.pk}"]')
    expect(dot).to_have_attribute("aria-label", "offline")
    # Bob's own state is shown at the top of his list.
    expect(bob_page.locator(".ch-me")).to_contain_text("Active")

    alice_page = open_as(alice, f"/chat/{hello.message.conversation_id}/")
    expect(dot).to_have_attribute("aria-label", "online")
    expect(bob_page.locator("#ch-pane-sub").get_by_role("img", name="online")).to_be_visible()
    # Her messages carry the same dot.
    sender_dot = message(bob_page, "hi Bob").locator(f'.ch-dot[data-presence="{alice.pk}"]')
    expect(sender_dot).to_have_attribute("aria-label", "online")
    alice_page.close()  # offline once her closed page stops lingering (2 s here)
    expect(dot).to_have_attribute("aria-label", "offline")
    expect(sender_dot).to_have_attribute("aria-label", "offline")


def _seed_screenshot_conversations(alice: User, bob: User, carol: User) -> Conversation:
    """A small team chat with yesterday and today, replies, reactions, an edit, mentions."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    check_join_room(carol, room)
    general = room.chats.get()
    check_create_chat(alice, room, title="design")
    low, high = sorted((alice, bob), key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high)
    check_send_message(bob, client_id="dm-1", body="Coffee later?", to_user_id=alice.pk)
    lines = [
        (bob, "Morning! The **release notes** draft is in the wiki.", None),
        (carol, "Thanks, reading it now.", None),
        (carol, "Two typos in the intro, fixed them.", None),
        (alice, "Great. Shall we ship on Thursday?", None),
        (bob, "Thursday works for me 👍", 3),
        (carol, "@alice can you check the `migrate` step first?", None),
        (alice, "On it — running it against a copy of production now.", 5),
        (bob, "Numbers from the load test:\n\n- 10k sockets\n- p99 send 41 ms", None),
    ]
    sent: list[Message] = []
    for user, body, reply in lines:
        sent.append(
            check_send_message(
                user,
                client_id=f"shot-{len(sent)}",
                body=body,
                conversation_id=general.pk,
                reply_to=sent[reply].pk if reply is not None else None,
            ).message
        )
    check_edit_message(alice, sent[3].pk, "Great. Shall we ship on **Thursday**?")
    for user, emoji in ((bob, "🎉"), (carol, "🎉"), (bob, "✅")):
        check_react(user, sent[4].pk, emoji, True)
    for user, emoji in ((alice, "🚀"), (carol, "🚀"), (carol, "👀")):
        check_react(user, sent[7].pk, emoji, True)
    noon = timezone.now().replace(hour=11, minute=0, second=0, microsecond=0)
    for n, m in enumerate(sent):
        day = noon - timedelta(days=1) if n < 3 else noon
        Message.objects.filter(pk=m.pk).update(created_at=day + timedelta(minutes=7 * n))
    return general


def test_screenshots_at_desktop_and_phone_width(
    open_as: OpenAs, alice: User, bob: User, carol: User, tmp_path
) -> None:
    """The chat page at 1280x800 and at phone widths (360, 390, 430), light and dark,
    fitting the screen: at phone width one compact header row and a text box that takes
    the composer's width; axe-core finds nothing in either theme. With
    PARLEY_SCREENSHOTS=1 the pictures replace docs/chat-{desktop,phone,phone-360,phone-430}
    [-dark].png (the README's)."""
    from .axe import assert_accessible

    general = _seed_screenshot_conversations(alice, bob, carol)
    folder = Path("docs") if os.environ.get("PARLEY_SCREENSHOTS") else tmp_path
    sizes = [
        ("desktop", 1280, 800),
        ("phone", 390, 844),
        ("phone-360", 360, 740),
        ("phone-430", 430, 932),
    ]
    for theme in ("light", "dark"):
        for name, width, height in sizes:
            page = open_as(alice, f"/chat/{general.pk}/", width=width, height=height)
            page.emulate_media(color_scheme=theme)
            expect(message(page, "p99 send 41 ms")).to_be_in_viewport()
            expect(page.locator(".ch-day").filter(has_text="Today")).to_have_count(1)
            page.locator("#ch-input").fill("Looks good, @bob")
            page.evaluate("document.activeElement.blur()")
            if name == "desktop":
                message(page, "Thursday works for me").hover()  # its toolbar shows
            else:
                page.mouse.move(0, 0)
                header = page.locator(".topbar").bounding_box()
                assert header is not None and header["height"] < 56, (name, header)
                box = page.locator("#ch-input").bounding_box()
                assert box is not None and box["width"] >= width - 130, (name, box)
                expect(page.get_by_role("button", name="Send")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
            assert (background == "rgb(13, 17, 23)") == (theme == "dark"), background
            assert_accessible(page, f"{theme}, {name}")
            suffix = "-dark" if theme == "dark" else ""
            page.screenshot(path=folder / f"chat-{name}{suffix}.png")
            if name == "phone" and theme == "light":
                page.get_by_role("button", name="Menu").click()
                expect(
                    page.get_by_role("navigation", name="Main").get_by_role(
                        "link", name="Rooms", exact=True
                    )
                ).to_be_visible()
                assert_accessible(page, "phone, menu open")
            page.close()


PANE_RULES_JS = """
async () => {
  const { Pane } = await import("/static/js/pane.js");
  const root = document.createElement("div");
  document.body.append(root);
  const el = (tag) => root.appendChild(document.createElement(tag));
  const scroll = el("div");
  scroll.style.cssText = "height: 200px; overflow-y: auto; position: relative";
  const els = { scroll, start: scroll.appendChild(document.createElement("div")),
                log: scroll.appendChild(document.createElement("div")),
                end: scroll.appendChild(document.createElement("div")), jump: el("button") };
  let resolvePage = null;
  const app = {
    els, view: { me: { id: 99, username: "me", name: "Me", avatar: null }, palette: ["#000"] },
    fetchPage: () => new Promise((resolve) => { resolvePage = resolve; }),
    onSettled() {}, settlePending() {}, showError() {}, onReplaced() {},
  };
  const at = new Date().toISOString();
  const m = (id, seq, updated, body, extra = {}) => ({
    id, conversation: 7, seq, updated_seq: updated, body, html: `<p>${body}</p>`, created_at: at,
    sender: { id: 1, username: "a", name: "A", avatar: null }, client_id: `c${id}`, edited_at: null,
    edit_count: 0, deleted: false, reply_to: null, mentions: [], reactions: [], moved_to: null,
    moved_from: null, ...extra });
  const texts = () =>
    [...els.log.querySelectorAll(":scope > .ch-msg .ch-msg-body")].map((b) => b.textContent);
  const seen = {};
  const pane = new Pane(app);
  pane.reset(7);
  pane.show({ messages: [m(2, 2, 5, "b"), m(1, 1, 1, "a")], has_more: false, has_newer: false });
  // An older state of a shown message never replaces a newer one; a newer one does.
  pane.receive({ type: "message.edited", conversation: 7, seq: 4, message: m(2, 2, 4, "older") });
  seen.afterOlder = texts();
  pane.receive({ type: "message.edited", conversation: 7, seq: 6, message: m(2, 2, 6, "newer") });
  seen.afterNewer = texts();
  // A new message is appended while the pane shows the newest messages.
  pane.receive({ type: "message", conversation: 7, seq: 7, message: m(3, 7, 7, "c") });
  seen.appended = texts();
  // While a page loads, events wait; then the page shows and they apply on top of it.
  const loading = pane.reloadNewest();
  pane.receive({ type: "message", conversation: 7, seq: 9, message: m(4, 9, 9, "d") });
  pane.receive({ type: "message.deleted", conversation: 7, seq: 10,
                 message: m(3, 7, 10, "", { deleted: true, html: "" }) });
  seen.whileLoading = texts();
  resolvePage({ messages: [m(3, 7, 8, "c edited"), m(2, 2, 6, "newer"), m(1, 1, 1, "a")],
                has_more: false, last_seq: 8, last_read_seq: 8 });
  await loading;
  seen.afterLoad = texts();
  // A pane opened further back does not append new messages; it offers the jump.
  pane.reset(7);
  pane.show({ messages: [m(1, 1, 1, "a")], has_more: false, has_newer: true }, { anchor: 1 });
  pane.receive({ type: "message", conversation: 7, seq: 11, message: m(5, 11, 11, "e") });
  seen.notFollowing = texts();
  seen.jump = els.jump.hidden ? "" : els.jump.textContent;
  root.remove();
  return seen;
}
"""


def test_the_pane_applies_the_stream_by_message_id_and_never_goes_back(
    team: Conversation, open_as: OpenAs, alice: User
) -> None:
    """The pane's rules, on a Pane of its own in the page: an update replaces a shown
    message only if it is newer (updated_seq); events wait while a page loads."""
    page = open_as(alice, f"/chat/{team.pk}/")
    seen = page.evaluate(PANE_RULES_JS)
    assert seen["afterOlder"] == ["a", "b"]
    assert seen["afterNewer"] == ["a", "newer"]
    assert seen["appended"] == ["a", "newer", "c"]
    assert seen["whileLoading"] == ["a", "newer", "c"]  # shown until the page replaces it
    assert seen["afterLoad"] == ["a", "newer", "This message was deleted.", "d"]
    assert seen["notFollowing"] == ["a"]
    assert seen["jump"] == "1 new message ↓"
