"""The web client a newcomer meets (issue #15), end to end in chromium over the real
WebSocket: a refused origin said in words, the icon, live invitations and friend
requests, reading as you scroll, the conversation list's marks, the quick switcher, the
phone layout, the dark theme and axe-core on every page and state."""

from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Conversation

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
def sign_in(new_page: Callable[[], Page], site_url: str) -> Callable[..., Page]:
    """A page signed in as `user`, not yet at any address; `base` changes the host."""

    def signed_in(
        user: User, *, base: str = site_url, width: int = 1280, height: int = 800
    ) -> Page:
        page = new_page()
        page.set_viewport_size({"width": width, "height": height})
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}]
        )
        return page

    return signed_in


@pytest.fixture
def open_as(sign_in: Callable[..., Page]) -> OpenAs:
    """A signed-in page for `user` at `path`, connected."""

    def open_page(user: User, path: str, **size: int) -> Page:
        page = sign_in(user, **size)
        page.goto(path)
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page


def test_a_refused_origin_is_said_in_words_not_retried(sign_in, site_url, alice, team):
    # The server takes WebSockets from http://127.0.0.1:PORT only (production rules: the
    # test settings have DEBUG off); the same server reached as localhost is refused.
    other = site_url.replace("127.0.0.1", "localhost")
    page = sign_in(alice, base=other)
    page.goto(f"{other}/chat/{team.pk}/")

    banner = page.get_by_role("status").filter(has_text="refused")
    expect(banner).to_contain_text("The server refused the connection")
    expect(banner).to_contain_text("WEBSOCKET_ALLOWED_ORIGINS")
    expect(banner).to_contain_text(other)
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "refused")
    expect(page.locator("#ch-my-status")).to_have_text("Not connected")


def test_the_page_has_an_icon(open_as, alice, team):
    page = open_as(alice, f"/chat/{team.pk}/")
    href = page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
    assert href is not None
    icon = page.request.get(href)
    assert icon.ok and icon.headers["content-type"] == "image/svg+xml"
    ico = page.request.get("/favicon.ico")
    assert ico.ok and ico.headers["content-type"] == "image/x-icon"
