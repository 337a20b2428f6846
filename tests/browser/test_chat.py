"""The chat page end to end: two people in two browsers, over the real WebSocket.

The pages are served by the ASGI application under uvicorn (asgi_live_server), so the
JavaScript client talks to the real consumer: live delivery, resume after a lost
connection, the composer's keys, and a first direct message creating its conversation.
"""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from parley.accounts.actions.friends import check_accept_friend_request, check_send_friend_request
from parley.accounts.models import FriendRequest, Friendship, User
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Conversation, Message
from parley.messaging.rendering import render_markdown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenAs = Callable[[User, str], Page]


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def chats(alice: User, bob: User) -> dict[str, Conversation]:
    """Alice's rooms "Games" and then "Team" (newer, so listed first), both with Bob.

    Set up before any page opens: the pages' server learns of it from the database.
    """
    games = check_create_room(alice, title="Games")
    check_join_room(bob, games)
    team = check_create_room(alice, title="Team")
    check_join_room(bob, team)
    return {"games": games.chats.get(), "team": team.chats.get()}


@pytest.fixture
def friends(alice: User, bob: User) -> None:
    check_send_friend_request(alice, bob)
    check_accept_friend_request(bob, FriendRequest.objects.get(from_user=alice, to_user=bob).pk)


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> OpenAs:
    """A signed-in page for `user` (their own browser context) at `path`, connected."""

    def open_page(user: User, path: str) -> Page:
        page = new_page()
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.goto(path)
        expect_connected(page)
        # Set on this document only: still there later means the page never reloaded.
        page.evaluate("window.sameDocument = true")
        return page

    return open_page


def expect_connected(page: Page) -> None:
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")


def conversation_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Conversations")


def room_chats(page: Page, room: str) -> Locator:
    return conversation_list(page).get_by_role("list", name=room, exact=True)


def message_texts(page: Page) -> Locator:
    return page.get_by_role("log").locator(".ch-msg-body")


def composer(page: Page) -> Locator:
    return page.get_by_role("textbox", name=re.compile(r"^Message "))


def send(page: Page, text: str) -> None:
    composer(page).fill(text)
    composer(page).press("Enter")


def expect_all_sent(page: Page) -> None:
    """Every message this page sent is acked: none is still pending or failed."""
    expect(page.get_by_role("log").locator(".is-pending, .is-failed")).to_have_count(0)


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.sameDocument") is True


def test_a_message_appears_live_and_moves_its_conversation_up(
    chats: dict[str, Conversation], open_as: OpenAs, alice: User, bob: User
) -> None:
    team, games = chats["team"], chats["games"]
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    rooms = conversation_list(bob_page).locator(".ch-room h3")
    expect(rooms).to_have_text(["Team", "Games"])

    # 1. In the conversation both have open: it appears for Bob as it is sent.
    send(alice_page, "Hello **Bob**")
    expect(message_texts(bob_page)).to_have_text(["Hello Bob"])
    expect(message_texts(bob_page).locator("strong")).to_have_text("Bob")
    expect(bob_page.get_by_role("log")).to_contain_text("Alice Liddell")
    team_link = room_chats(bob_page, "Team").get_by_role("link", name=re.compile("general"))
    expect(team_link).to_contain_text("Alice Liddell: Hello Bob")  # the text, not the Markdown
    expect(team_link.locator(".badge")).to_have_count(0)  # Bob is reading it

    # 2. In one Bob does not have open: it moves to the top, with an unread count.
    room_chats(alice_page, "Games").get_by_role("link", name=re.compile("general")).click()
    expect(alice_page).to_have_url(re.compile(rf"/chat/{games.pk}/$"))
    expect(alice_page.get_by_role("heading", name="Games › general")).to_be_visible()
    send(alice_page, "Anyone for chess?")
    expect(message_texts(alice_page)).to_have_text(["Anyone for chess?"])
    expect(rooms).to_have_text(["Games", "Team"])
    games_link = room_chats(bob_page, "Games").get_by_role("link", name=re.compile("general"))
    expect(games_link.get_by_label("1 unread")).to_have_text("1")
    expect(games_link).to_contain_text("Alice Liddell: Anyone for chess?")
    expect(message_texts(bob_page)).to_have_text(["Hello Bob"])

    # 3. Opening it shows the message and clears the count, still without a reload.
    games_link.click()
    expect(bob_page).to_have_url(re.compile(rf"/chat/{games.pk}/$"))
    expect(message_texts(bob_page)).to_have_text(["Anyone for chess?"])
    expect(games_link.locator(".badge")).to_have_count(0)
    expect(games_link).to_have_attribute("aria-current", "page")
    assert_same_document(bob_page)
    assert_same_document(alice_page)


def test_messages_sent_while_offline_arrive_once_and_in_order_on_reconnect(
    chats: dict[str, Conversation], open_as: OpenAs, alice: User, bob: User
) -> None:
    team = chats["team"]
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    send(alice_page, "before")
    expect(message_texts(bob_page)).to_have_text(["before"])

    # Bob's network goes: the page drops its socket and says so.
    bob_page.context.set_offline(True)
    banner = bob_page.get_by_role("status").filter(has_text="offline")
    expect(banner).to_have_text("offline — reconnecting…")
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "offline")

    for text in ("one", "two", "three"):
        send(alice_page, text)
    expect(message_texts(alice_page)).to_have_text(["before", "one", "two", "three"])
    expect_all_sent(alice_page)
    expect(message_texts(bob_page)).to_have_text(["before"])

    # Back online: it reconnects, resumes from seq 1 and gets 2, 3, 4, each once.
    bob_page.context.set_offline(False)
    expect_connected(bob_page)
    expect(bob_page.locator("#ch-banner")).to_be_empty()
    expect(message_texts(bob_page)).to_have_text(["before", "one", "two", "three"])
    seqs = (
        bob_page.get_by_role("log")
        .locator(".ch-msg")
        .evaluate_all("messages => messages.map(m => Number(m.dataset.seq))")
    )
    assert seqs == [1, 2, 3, 4]

    # And the live stream carries on after the replay.
    send(alice_page, "after")
    expect(message_texts(bob_page)).to_have_text(["before", "one", "two", "three", "after"])
    assert_same_document(bob_page)


def test_enter_sends_and_shift_enter_starts_a_new_line(
    chats: dict[str, Conversation], open_as: OpenAs, alice: User, bob: User
) -> None:
    team = chats["team"]
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    box = composer(bob_page)

    box.click()
    bob_page.keyboard.type("first line")
    bob_page.keyboard.press("Shift+Enter")
    bob_page.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    expect(message_texts(bob_page)).to_have_count(0)

    bob_page.keyboard.press("Enter")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect_all_sent(bob_page)
    for page in (bob_page, alice_page):
        body = message_texts(page)
        expect(body).to_have_count(1)
        expect(body.locator("br")).to_have_count(1)
        expect(body).to_have_js_property("innerText", "first line\nsecond line")

    # An empty composer sends nothing.
    box.press("Enter")
    box.press("Shift+Enter")
    box.press("Enter")
    expect(message_texts(alice_page)).to_have_count(1)


def test_a_direct_message_to_a_friend_starts_a_conversation_for_both(
    friends: None, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, "/chat/")
    main = alice_page.get_by_role("main")
    expect(main.get_by_text("No conversations yet.")).to_be_visible()
    expect(main.get_by_role("link", name="Friends")).to_have_attribute("href", "/friends/")

    bob_page = open_as(bob, f"/chat/?to={alice.username}")
    expect(bob_page.get_by_role("heading", name="Alice Liddell")).to_be_visible()
    send(bob_page, "Hi Alice, lunch?")
    expect_all_sent(bob_page)
    conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    expect(bob_page).to_have_url(re.compile(rf"/chat/{conversation.pk}/$"))
    direct = conversation_list(bob_page).get_by_role("list", name="Direct messages")
    expect(direct.get_by_role("link", name=re.compile("Alice Liddell"))).to_have_attribute(
        "aria-current", "page"
    )

    # Alice's page hears of the new conversation and its message without a reload.
    link = (
        conversation_list(alice_page)
        .get_by_role("list", name="Direct messages")
        .get_by_role("link", name=re.compile("Bob Marley"))
    )
    expect(link.get_by_label("1 unread")).to_have_text("1")
    # The title is already Bob: the preview does not repeat his name.
    expect(link.locator(".ch-conv-preview")).to_have_text("Hi Alice, lunch?")
    link.click()
    expect(message_texts(alice_page)).to_have_text(["Hi Alice, lunch?"])
    expect(link.locator(".badge")).to_have_count(0)
    send(alice_page, "Yes!")
    expect(message_texts(bob_page)).to_have_text(["Hi Alice, lunch?", "Yes!"])
    assert_same_document(alice_page)
    assert_same_document(bob_page)


def test_a_refused_message_can_be_retried_with_the_same_client_id(
    open_as: OpenAs, alice: User, carol: User
) -> None:
    alice_page = open_as(alice, f"/chat/?to={carol.username}")
    main = alice_page.get_by_role("main")
    expect(main.get_by_text("You can message Carol King once you are friends")).to_be_visible()

    send(alice_page, "Are we friends yet?")
    failed = alice_page.get_by_role("log").locator(".ch-msg.is-failed")
    expect(failed).to_contain_text("Not sent")
    expect(alice_page.get_by_role("alert")).to_have_text(
        "You can message Carol King once you are friends or share a room."
    )
    client_id = failed.get_attribute("data-client-id")
    assert not Message.objects.exists()

    low, high = sorted((alice, carol), key=lambda user: user.pk)
    Friendship.objects.create(user_low=low, user_high=high)
    failed.get_by_role("button", name="Retry").click()
    expect_all_sent(alice_page)
    expect(message_texts(alice_page)).to_have_text(["Are we friends yet?"])
    message = Message.objects.get()
    assert message.client_id == client_id
    expect(alice_page).to_have_url(re.compile(rf"/chat/{message.conversation_id}/$"))
    expect(alice_page.get_by_role("alert")).to_have_text("")
    expect(main.get_by_text("You can message Carol King once you are friends")).to_be_hidden()
    expect(composer(alice_page)).to_be_visible()


def test_scrolling_up_loads_older_messages_until_the_start(
    chats: dict[str, Conversation], open_as: OpenAs, alice: User, bob: User
) -> None:
    team = chats["team"]
    Message.objects.bulk_create(
        Message(conversation=team, seq=n, sender=alice, client_id=f"old{n}", body=f"message {n}",
                html=render_markdown(f"message {n}"))
        for n in range(1, 131)
    )  # fmt: skip
    Conversation.objects.filter(pk=team.pk).update(last_seq=130)
    team.participants.update(last_read_seq=130)
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    texts = message_texts(bob_page)
    expect(texts).to_have_count(50)
    expect(texts.last).to_have_text("message 130")
    expect(texts.last).to_be_in_viewport()

    # Each time the top comes into view, the page before it is added above.
    start = bob_page.get_by_text("This is the start of the conversation.")
    for count in (100, 130):
        texts.first.scroll_into_view_if_needed()
        expect(texts).to_have_count(count)
    expect(start).to_be_visible()
    expect(texts.first).to_have_text("message 1")
    seqs = texts.evaluate_all(
        "bodies => bodies.map(b => Number(b.closest('[data-seq]').dataset.seq))"
    )
    assert seqs == list(range(1, 131))
