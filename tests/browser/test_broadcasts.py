"""The broadcasts page end to end: Alice picks a friend with the people search and a
room, sends, and Bob, in the chat page over the real WebSocket, sees it arrive live."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from parley.accounts.models import Friendship, User
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenAs = Callable[[User, str], Page]


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> OpenAs:
    """A signed-in page for `user` at `path` (as in test_chat.py)."""

    def open_page(user: User, path: str) -> Page:
        page = new_page()
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.goto(path)
        return page

    return open_page


def message_texts(page: Page) -> Locator:
    return page.get_by_role("log").locator(".ch-msg-body")


def conversation_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Conversations")


def test_a_broadcast_sent_from_the_page_arrives_live(
    open_as: OpenAs, alice: User, bob: User, carol: User
) -> None:
    team = check_create_room(alice, title="Team")
    check_join_room(bob, team)
    chat = team.chats.get()
    low, high = sorted((alice, carol), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)
    bob_page = open_as(bob, f"/chat/{chat.pk}/")
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    alice_page = open_as(alice, "/rooms/")

    alice_page.get_by_role("navigation", name="Main").get_by_role("link", name="Broadcasts").click()
    expect(alice_page.get_by_role("heading", name="Send a broadcast")).to_be_visible()
    alice_page.get_by_role("textbox", name="Message", exact=True).fill("Lunch at **noon**")
    search = alice_page.get_by_role("combobox", name="Find people")
    search.fill("car")
    alice_page.get_by_role("option", name=re.compile("Carol King")).click()
    expect(alice_page.get_by_role("list", name="Chosen people")).to_contain_text("Carol King")
    alice_page.get_by_role("checkbox", name="Team", exact=True).check()
    alice_page.get_by_role("button", name="Send broadcast").click()

    expect(alice_page.get_by_role("status")).to_have_text(re.compile(r"Read by [01] of 2 people\."))
    expect(alice_page.get_by_role("table")).to_contain_text("Carol King")
    # Bob has the room's chat open: the copy appears there, and being in view, it is read.
    expect(message_texts(bob_page)).to_have_text(["Lunch at noon"])
    expect(conversation_list(bob_page)).to_contain_text("Alice Liddell: Lunch at noon")
    read = Participant.objects.filter(user=bob, conversation=chat, last_read_seq__gte=1)
    for _ in range(300):  # Bob's page sends its read marker: wait for it (30 s at most)
        if read.exists():
            break
        bob_page.wait_for_timeout(100)
    alice_page.reload()
    expect(alice_page.get_by_role("status")).to_have_text("Read by 1 of 2 people.")
