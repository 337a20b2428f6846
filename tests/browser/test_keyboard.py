"""The chat page with the keyboard only (issue #15): every Tab stop shows that it has the
focus, timestamps are not stops, the arrow keys move through the messages, every action
of the message toolbar and its menus is reached and done, and every dialog takes the
focus, keeps it while open, closes on Escape and gives it back to what opened it.

Nothing here clicks or calls focus(): what the test reaches, a keyboard user reaches."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.rooms import check_create_chat, check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whether the focused element shows it: an outline or a box shadow drawn while it has the
# focus, and a box on the screen.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "nothing";
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const drawn = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  const seen = box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  return drawn && seen ? "shown" : `not shown: ${el.outerHTML.slice(0, 120)}`;
}"""


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def team(alice: User, bob: User) -> Conversation:
    """Alice's room "Team" (her chats "general" and "random") with Bob in it."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    check_create_chat(alice, room, title="random")
    return room.chats.get(is_default=True)


@pytest.fixture
def page_of(new_page, site_url: str):
    def open_page(user: User, path: str) -> Page:
        page = new_page()
        page.set_viewport_size({"width": 1280, "height": 800})
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.goto(path)
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page


def say(user: User, conversation: Conversation, body: str) -> Message:
    return check_send_message(
        user,
        client_id=f"k{Message.objects.count()}-{user.pk}",
        body=body,
        conversation_id=conversation.pk,
    ).message


def press(page: Page, key: str) -> None:
    """Press `key`, then require the focus (if on an element) to be shown."""
    page.keyboard.press(key)
    assert page.evaluate(FOCUS_SHOWN) in ("shown", "nothing"), key


def tab_until(page: Page, target: Locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab) until `target` has the focus; every stop on the way must show
    its focus, and none may be a timestamp."""
    key = "Shift+Tab" if backwards else "Tab"
    if target.evaluate("el => el === document.activeElement"):
        return
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            assert page.evaluate(FOCUS_SHOWN) == "shown"
            return
        state = page.evaluate(FOCUS_SHOWN)
        assert state in ("shown", "nothing"), state
        assert not page.evaluate("document.activeElement.matches('time, .ch-msg-time')")
    raise AssertionError(f"{limit} presses of {key} never reached {target}")


def expect_trapped(page: Page, dialog: Locator, presses: int = 8) -> None:
    """Tab and Shift+Tab go round the dialog's own controls and never leave it."""
    for key in ["Tab"] * presses + ["Shift+Tab"] * presses:
        page.keyboard.press(key)
        inside = dialog.evaluate("d => d.contains(document.activeElement)")
        where = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        assert inside, f"{key} left the dialog for {where}"
        assert page.evaluate(FOCUS_SHOWN) == "shown"


def test_every_message_action_is_reached_and_done_from_the_keyboard(page_of, alice, bob, team):
    say(bob, team, "hello from bob")
    draft = say(alice, team, "first draft")
    check_edit_message(alice, draft.pk, "second draft")
    say(alice, team, "newest of mine")
    page = page_of(alice, f"/chat/{team.pk}/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log = page.get_by_role("log")

    # From the top of the page, Tab reaches the log; every stop shows its focus.
    tab_until(page, log, limit=80)
    press(page, "ArrowUp")
    newest = log.locator("article.ch-msg").filter(has_text="newest of mine")
    expect(newest).to_be_focused()
    toolbar = newest.get_by_role("toolbar", name="Message actions")
    expect(toolbar).to_be_visible()  # shown while the message has the focus
    press(page, "ArrowUp")
    edited = log.locator("article.ch-msg").filter(has_text="second draft")
    expect(edited).to_be_focused()
    expect(edited.get_by_role("toolbar", name="Message actions")).to_be_visible()
    press(page, "Home")
    expect(log.locator("article.ch-msg").first).to_be_focused()
    press(page, "End")
    expect(newest).to_be_focused()
    press(page, "ArrowUp")

    # The toolbar's buttons, each a Tab stop, visible while it has the focus.
    toolbar = edited.get_by_role("toolbar", name="Message actions")
    for name in ("Add reaction", "Reply", "More actions"):
        press(page, "Tab")
        expect(toolbar.get_by_role("button", name=name)).to_be_focused()
        expect(toolbar).to_be_visible()

    # Reply, then Escape cancels it.
    press(page, "Shift+Tab")
    press(page, "Enter")
    composer = page.locator("#ch-input")
    expect(composer).to_be_focused()
    expect(page.locator("#ch-context")).to_contain_text("Replying to Alice Liddell")
    press(page, "Escape")
    expect(page.locator("#ch-context")).to_be_hidden()

    # Back to the message with Shift+Tab, its menu: Edit puts it in the composer.
    # (By selector: a toolbar without the focus is hidden, and out of the roles' tree.)
    more = edited.locator('.ch-tools [data-action="more"]')
    tab_until(page, more, backwards=True)
    press(page, "Enter")
    menu = page.get_by_role("menu", name="More actions")
    expect(menu.get_by_role("menuitem")).to_have_text(
        ["Edit", "Earlier versions", "Copy link", "Move to another chat…", "Delete"]
    )
    expect(menu.get_by_role("menuitem", name="Edit")).to_be_focused()
    press(page, "Enter")
    expect(composer).to_be_focused()
    expect(composer).to_have_value("second draft")
    press(page, "Escape")
    expect(composer).to_have_value("")

    def open_item(name: str) -> None:
        tab_until(page, more, backwards=True)
        press(page, "Enter")
        items = menu.get_by_role("menuitem")
        for _ in range(items.count()):
            if menu.get_by_role("menuitem", name=name).evaluate(
                "el => el === document.activeElement"
            ):
                break
            press(page, "ArrowDown")
        expect(menu.get_by_role("menuitem", name=name)).to_be_focused()
        press(page, "Enter")

    # Earlier versions: a dialog that holds the focus, closes on Escape, gives it back.
    open_item("Earlier versions")
    versions = page.get_by_role("dialog", name="Earlier versions")
    expect(versions).to_contain_text("first draft")
    expect_trapped(page, versions)
    press(page, "Escape")
    expect(versions).to_be_hidden()
    expect(more).to_be_focused()
    expect(toolbar).to_be_visible()

    # Copy link: said, and on the clipboard.
    open_item("Copy link")
    expect(page.locator("#ch-status")).to_have_text("Link copied.")
    assert f"/chat/{team.pk}/" in page.evaluate("navigator.clipboard.readText()")

    # Move: the dialog starts at its chat choice; Escape leaves the message where it was.
    open_item("Move to another chat…")
    move = page.get_by_role("dialog", name="Move this message")
    expect(move.get_by_role("combobox", name="To chat")).to_be_focused()
    expect_trapped(page, move, presses=4)
    press(page, "Escape")
    expect(move).to_be_hidden()
    expect(more).to_be_focused()

    # React: the menu, then the whole set in the emoji dialog, picked by typing.
    react = edited.locator('.ch-tools [data-action="react"]')
    tab_until(page, react, backwards=True)
    press(page, "Enter")
    reactions = page.get_by_role("menu", name="Reactions")
    expect(reactions.get_by_role("menuitem", name="React with 👍")).to_be_focused()
    press(page, "End")
    expect(reactions.get_by_role("menuitem", name="More emoji…")).to_be_focused()
    press(page, "Enter")
    picker = page.get_by_role("dialog", name="React with an emoji")
    expect(picker).to_be_visible()
    expect_trapped(page, picker, presses=3)
    press(page, "Escape")
    expect(picker).to_be_hidden()
    expect(react).to_be_focused()
    press(page, "Enter")
    press(page, "ArrowRight")
    press(page, "Enter")  # ❤️
    expect(edited.get_by_role("button", name=re.compile("^❤️ 1"))).to_have_attribute(
        "aria-pressed", "true"
    )

    # Delete: the dialog starts on its button; Cancel is a Tab away; Enter deletes.
    open_item("Delete")
    delete = page.get_by_role("dialog", name="Delete this message?")
    expect(delete.get_by_role("button", name="Delete")).to_be_focused()
    expect_trapped(page, delete, presses=3)
    press(page, "Escape")
    expect(delete).to_be_hidden()
    expect(more).to_be_focused()
    open_item("Delete")
    expect(delete.get_by_role("button", name="Delete")).to_be_focused()
    press(page, "Enter")
    expect(log.locator("article.ch-msg").filter(has_text="second draft")).to_have_count(0)
    # The focus stays at its place in the log, on what is left of it, and shows there.
    expect(log.locator("article.is-deleted")).to_be_focused()
    assert page.evaluate(FOCUS_SHOWN) == "shown"


def test_the_page_dialogs_hold_the_focus_and_give_it_back(page_of, alice, bob, team):
    say(bob, team, "hello")
    page = page_of(alice, f"/chat/{team.pk}/")
    composer = page.locator("#ch-input")
    log = page.get_by_role("log")
    tab_until(page, log, limit=80)

    # "?" (outside a text box): the shortcuts, Escape, and the focus back on the log.
    press(page, "?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts.get_by_role("button", name="Close")).to_be_focused()
    expect(shortcuts.locator("dt kbd").first).to_have_text("Ctrl+K")
    expect(shortcuts.locator("dd").first).to_have_text("Jump to a conversation or person")
    expect(shortcuts).not_to_contain_text("[object")
    expect_trapped(page, shortcuts, presses=3)
    press(page, "Escape")
    expect(shortcuts).to_be_hidden()
    expect(log).to_be_focused()

    # Ctrl+K from the composer: the switcher's box, Escape, back to the composer.
    tab_until(page, composer)
    press(page, "Control+k")
    switcher = page.get_by_role("dialog", name="Jump to")
    expect(switcher.get_by_role("combobox")).to_be_focused()
    expect_trapped(page, switcher, presses=2)
    press(page, "Escape")
    expect(switcher).to_be_hidden()
    expect(composer).to_be_focused()

    # The composer's emoji dialog, from its button.
    emoji = page.get_by_role("button", name="Insert emoji")
    tab_until(page, emoji)
    press(page, "Enter")
    picker = page.get_by_role("dialog", name="Insert an emoji")
    expect(picker).to_be_visible()
    expect_trapped(page, picker, presses=3)
    press(page, "Escape")
    expect(picker).to_be_hidden()
    expect(composer).to_be_focused()
