"""Desktop notifications in Chromium: Bob's chat tab in the background is told of a direct
message and a mention (not of other room messages), and a click opens the conversation.

How the tab is "in the background": headless Chromium never hides a page (a second tab
brought to the front, a minimised window, focus emulation off: document.visibilityState
stays "visible", checked with this Chromium), so the test makes Bob's page report
"hidden" and dispatches visibilitychange, as the browser would. The notifications are
observed by wrapping the page's own Notification constructor (add_init_script): each
is still made by the browser, the wrapper only records its title, body and tag.
"""

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Conversation
from parley.notifications.actions import check_set_level, check_update_settings

from .conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OBSERVE_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__notifications = [];
  class Observed extends Real {
    constructor(title, options = {}) {
      super(title, options);
      const { body, tag } = options;
      window.__notifications.push({ title, body, tag, notification: this });
    }
  }
  Object.defineProperty(Observed, "permission", { get: () => Real.permission });
  Observed.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Observed;
})();
"""

HIDE = """
Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
document.dispatchEvent(new Event("visibilitychange"));
"""
SHOW = HIDE.replace('"hidden"', '"visible"').replace("=> true", "=> false")


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def places(alice: User, bob: User) -> dict[str, Conversation]:
    """Alice's room "Team" with Bob, and their direct conversation (set up before any page
    opens: the pages' server learns of it from the database)."""
    team = check_create_room(alice, title="Team")
    check_join_room(bob, team)
    return {"chat": team.chats.get(), "direct": check_direct_conversation(alice, bob.pk)}


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> Callable[[User, str], Page]:
    def open_page(user: User, path: str) -> Page:
        page = new_page()
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.add_init_script(OBSERVE_NOTIFICATIONS)
        page.goto(path)
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name=re.compile(r"^Message "))
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_role("log").locator(".is-pending, .is-failed")).to_have_count(0)


def shown(page: Page) -> list[dict[str, str]]:
    return page.evaluate(
        "window.__notifications.map(({ title, body, tag }) => ({ title, body, tag }))"
    )


def test_a_hidden_tab_is_told_of_direct_messages_and_mentions_and_a_click_opens_them(
    open_as, site_url: str, places: dict[str, Conversation], alice: User, bob: User
) -> None:
    chat, direct = places["chat"], places["direct"]
    bob_page = open_as(bob, f"/chat/{chat.pk}/")
    # Asked only from a clear prompt, when Bob presses its button.
    prompt = bob_page.get_by_role("region", name="Desktop notifications")
    expect(prompt).to_contain_text("direct messages, mentions and calls")
    assert bob_page.evaluate("Notification.permission") == "default"
    bob_page.context.grant_permissions(["notifications"], origin=site_url)
    prompt.get_by_role("button", name="Turn on desktop notifications").click()
    expect(prompt).to_have_count(0)

    bob_page.evaluate(HIDE)
    alice_page = open_as(alice, f"/chat/{chat.pk}/")
    send(alice_page, "morning, all")  # a room message that mentions nobody: no notification
    send(alice_page, "@bob can you look?")
    alice_page.get_by_role("navigation", name="Conversations").get_by_role(
        "link", name=re.compile("Bob Marley")
    ).click()
    send(alice_page, "Lunch at <b>noon</b>?")

    bob_page.wait_for_function("window.__notifications.length >= 2")
    assert shown(bob_page) == [
        {
            "title": "Alice Liddell in Team › general",
            "body": "@bob can you look?",
            "tag": f"parley-conversation-{chat.pk}",
        },
        {
            "title": "Alice Liddell",
            "body": "Lunch at <b>noon</b>?",  # text, never markup
            "tag": f"parley-conversation-{direct.pk}",
        },
    ]

    # A click on the notification (dispatched: a headless browser has no desktop to
    # click on) brings the tab forward at the message.
    bob_page.evaluate("window.__notifications[1].notification.dispatchEvent(new Event('click'))")
    expect(bob_page).to_have_url(re.compile(rf"/chat/{direct.pk}/\?at=\d+$"))
    expect(bob_page.get_by_role("log").locator(".ch-msg-body").last).to_have_text(
        "Lunch at <b>noon</b>?"
    )

    # Do not disturb (Settings → Notifications) silences the desktop too: the tab reads
    # Bob's preferences again as it goes into the background.
    check_update_settings(bob, do_not_disturb=True)
    bob_page.evaluate(SHOW)
    with bob_page.expect_response(re.compile(r"/api/v1/notifications$")):
        bob_page.evaluate(HIDE)
    send(alice_page, "@bob still there?")
    expect(bob_page.get_by_role("log").locator(".ch-msg-body").last).to_have_text(
        "@bob still there?"
    )
    assert len(shown(bob_page)) == 2


def test_a_visible_tab_shows_no_notification(
    open_as, site_url: str, places: dict[str, Conversation], alice: User, bob: User
) -> None:
    chat = places["chat"]
    bob_page = open_as(bob, f"/chat/{chat.pk}/")
    bob_page.context.grant_permissions(["notifications"], origin=site_url)
    expect(bob_page.get_by_role("region", name="Desktop notifications")).to_be_visible()
    alice_page = open_as(alice, f"/chat/{chat.pk}/")
    send(alice_page, "@bob hello")
    expect(bob_page.get_by_role("log").locator(".ch-msg-body").last).to_have_text("@bob hello")
    assert shown(bob_page) == []


# Records each tone the page starts (the chime is two WebAudio oscillators); the browser
# still makes and plays them.
OBSERVE_TONES = """
(() => {
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push(this.frequency.value);
    return start.apply(this, args);
  };
})();
"""


@pytest.fixture
def chromium_args() -> list[str]:
    """A fake microphone for Alice's call (the other tests here make no call)."""
    return [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def test_a_call_to_a_hidden_tab_shows_a_notification_and_chimes(
    open_as, site_url: str, places: dict[str, Conversation], alice: User, bob: User
) -> None:
    direct = places["direct"]
    bob_page = open_as(bob, f"/chat/{places['chat'].pk}/")
    bob_page.add_init_script(OBSERVE_TONES)
    bob_page.evaluate("localStorage.setItem('parley.notify.sound', 'on')")  # Settings' switch
    bob_page.reload()
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    bob_page.context.grant_permissions(["notifications"], origin=site_url)
    # The click on the prompt is the gesture that lets a hidden tab play the chime later.
    prompt = bob_page.get_by_role("region", name="Desktop notifications")
    prompt.get_by_role("button", name="Turn on desktop notifications").click()
    expect(prompt).to_have_count(0)
    bob_page.evaluate(HIDE)

    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    alice_page.get_by_role("group", name="Call").get_by_role("button", name="Voice call").click()

    bob_page.wait_for_function("window.__notifications.length >= 1")
    [ring] = shown(bob_page)
    assert ring["title"] == "Alice Liddell is calling"
    assert ring["body"] == "Open Parley to answer a call."
    assert re.fullmatch(r"parley-call-\d+", ring["tag"])
    bob_page.wait_for_function("window.__tones.length >= 2")
    # The chime's two rising tones first (the call's own ringtone may follow).
    assert bob_page.evaluate("window.__tones.slice(0, 2)") == [660, 990]

    # Alice gives up: the ringing notification goes.
    bob_page.evaluate(
        "window.__notifications[0].notification.addEventListener('close', "
        "() => { window.__closed = true; })"
    )
    alice_page.get_by_role("toolbar", name="Call controls").get_by_role(
        "button", name="Leave"
    ).click()
    bob_page.wait_for_function("window.__closed === true")


def test_a_room_set_to_nothing_shows_no_notification_even_for_a_mention(
    open_as, site_url: str, places: dict[str, Conversation], alice: User, bob: User
) -> None:
    chat, direct = places["chat"], places["direct"]
    # Bob's level for the room: nothing (rooms default to mentions). Direct conversations
    # keep theirs, everything.
    check_set_level(bob, chat.pk, "nothing")
    bob_page = open_as(bob, f"/chat/{chat.pk}/")
    bob_page.context.grant_permissions(["notifications"], origin=site_url)
    prompt = bob_page.get_by_role("region", name="Desktop notifications")
    prompt.get_by_role("button", name="Turn on desktop notifications").click()
    expect(prompt).to_have_count(0)
    bob_page.evaluate(HIDE)

    alice_page = open_as(alice, f"/chat/{chat.pk}/")
    send(alice_page, "@bob can you look?")
    expect(bob_page.get_by_role("log").locator(".ch-msg-body").last).to_have_text(
        "@bob can you look?"
    )
    alice_page.get_by_role("navigation", name="Conversations").get_by_role(
        "link", name=re.compile("Bob Marley")
    ).click()
    send(alice_page, "Lunch at noon?")

    # Only the direct message, which came after the mention, is shown.
    bob_page.wait_for_function("window.__notifications.length >= 1")
    assert shown(bob_page) == [
        {
            "title": "Alice Liddell",
            "body": "Lunch at noon?",
            "tag": f"parley-conversation-{direct.pk}",
        }
    ]
