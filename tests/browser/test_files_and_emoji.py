"""Attachments and emoji end to end (issue #14), over the real ASGI application.

Alice attaches files with the composer's button (the file chooser), sees each upload's
progress, and sends them; Bob sees the image's thumbnail and the file's card, opens the
image full size in the viewer and downloads the file; Carol, who is not in the room,
gets 404 for the same address. The emoji picker puts an emoji in the composer and on a
message as a reaction; `:` autocomplete and `:shortcodes:` too.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from browser.test_chat_experience import action, composer, menu_item, message, send
from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.files.tests.images import PDF, png
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.emoji import index as emoji_index
from parley.messaging.models import Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenAs = Callable[..., Page]


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def team(alice: User, bob: User) -> Conversation:
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room.chats.get()


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> OpenAs:
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


def test_files_go_up_with_progress_reach_a_member_and_not_an_outsider(
    team: Conversation, open_as: OpenAs, alice: User, bob: User, carol: User, tmp_path: Path
) -> None:
    photo = tmp_path / "beach.png"
    photo.write_bytes(png(600, 300))
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(PDF + b"%" + b"x" * 2_000_000 + b"\n")  # big enough to report progress
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")

    with alice_page.expect_file_chooser() as chooser:
        alice_page.get_by_role("button", name="Attach files").click()
    chooser.value.set_files([photo, notes])

    tray = alice_page.get_by_role("list", name="Files to send")
    for name in ("beach.png", "notes.pdf"):
        bar = tray.get_by_role("progressbar", name=f"Uploading {name}")
        expect(bar).to_be_visible()
        expect(bar).to_have_js_property("value", 1)
    expect(tray).to_contain_text("PDF · 2.0 MB · ready")
    composer(alice_page).fill("Holiday plans")
    composer(alice_page).press("Enter")
    expect(tray).to_be_hidden()

    received = message(bob_page, "Holiday plans")
    files = received.get_by_role("list", name="2 attached files")
    thumbnail = files.get_by_role("link", name=re.compile(r"^View image beach\.png, PNG image"))
    expect(thumbnail.locator("img")).to_have_js_property("complete", True)
    assert thumbnail.locator("img").evaluate("img => img.naturalWidth") == 400  # the thumbnail
    card = files.get_by_role("link", name=re.compile(r"^Download notes\.pdf, PDF, 2\.0 MB"))
    expect(card).to_be_visible()

    # The viewer: a dialog with the image full size; Escape closes it.
    thumbnail.click()
    viewer = bob_page.get_by_role("dialog", name="beach.png")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img", name="beach.png")).to_have_js_property("naturalWidth", 600)
    bob_page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    with bob_page.expect_download() as download:
        card.click()
    assert download.value.suggested_filename == "notes.pdf"
    assert Path(download.value.path()).read_bytes() == notes.read_bytes()

    url = card.get_attribute("href")
    assert url
    carol_page = open_as(carol, "/chat/")
    refused = carol_page.request.get(url)
    assert refused.status == 404
    assert bob_page.request.get(url).status == 200


# A File made in the page, in a DataTransfer as the browser builds one for a real drop
# or paste of files (Playwright cannot drag from the desktop).
_DATA_TRANSFER = """([name, type, text]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], name, { type }));
  return transfer;
}"""


def test_a_dropped_and_a_pasted_file_are_sent_and_another_member_downloads_them(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    tray = alice_page.get_by_role("list", name="Files to send")

    dropped = alice_page.evaluate_handle(
        _DATA_TRANSFER, ["dropped.txt", "text/plain", "from a drop\n"]
    )
    form = composer(alice_page).locator("xpath=ancestor::form")
    form.dispatch_event("dragover", {"dataTransfer": dropped})
    form.dispatch_event("drop", {"dataTransfer": dropped})
    expect(tray.get_by_role("listitem").filter(has_text="dropped.txt")).to_contain_text("ready")

    pasted = alice_page.evaluate_handle(_DATA_TRANSFER, ["pasted.csv", "text/csv", "a,b\n1,2\n"])
    composer(alice_page).evaluate(
        """(input, transfer) => input.dispatchEvent(new ClipboardEvent("paste", {
            clipboardData: transfer, bubbles: true, cancelable: true }))""",
        pasted,
    )
    expect(tray.get_by_role("listitem").filter(has_text="pasted.csv")).to_contain_text("ready")
    expect(composer(alice_page)).to_have_value("")  # the paste put the file, not text, in
    send(alice_page, "Dropped and pasted")
    expect(tray).to_be_hidden()

    files = message(bob_page, "Dropped and pasted").get_by_role("list", name="2 attached files")
    for name, content in (("dropped.txt", b"from a drop\n"), ("pasted.csv", b"a,b\n1,2\n")):
        card = files.get_by_role("link", name=re.compile(rf"^Download {re.escape(name)},"))
        with bob_page.expect_download() as download:
            card.click()
        assert download.value.suggested_filename == name
        assert Path(download.value.path()).read_bytes() == content


def test_the_emoji_picker_fills_the_composer_and_reacts(
    team: Conversation, open_as: OpenAs, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")

    # From the composer's button, by keyboard: search, Down into the grid, Enter.
    alice_page.get_by_role("button", name="Insert emoji").click()
    picker = alice_page.get_by_role("dialog", name="Insert an emoji")
    picker.get_by_label("Search emoji").fill("tada")
    expect(picker.get_by_role("gridcell", name="party popper")).to_be_visible()
    alice_page.keyboard.press("ArrowDown")
    expect(picker.get_by_role("gridcell", name="party popper")).to_be_focused()
    alice_page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(composer(alice_page)).to_have_value("🎉")
    expect(composer(alice_page)).to_be_focused()

    # `:` and two letters suggest; Enter takes the first.
    composer(alice_page).press_sequentially(" done :thumbs")
    options = alice_page.get_by_role("listbox", name="Emoji")
    expect(options.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    composer(alice_page).press("Enter")
    expect(composer(alice_page)).to_have_value("🎉 done 👍")
    composer(alice_page).press("Enter")
    expect(message(bob_page, "🎉 done 👍")).to_be_visible()

    # A shortcode typed whole is rendered by the server.
    send(alice_page, "ship it :rocket:")
    expect(message(bob_page, "ship it 🚀")).to_be_visible()

    # A reaction from the picker, by mouse.
    action(bob_page, "🎉 done", "Add reaction")
    menu_item(bob_page, "Reactions", "More emoji…").click()
    reaction_picker = bob_page.get_by_role("dialog", name="React with an emoji")
    reaction_picker.get_by_label("Search emoji").fill("owl")
    reaction_picker.get_by_role("gridcell", name="owl", exact=True).click()
    chip = message(alice_page, "🎉 done").get_by_role("button", name=re.compile("^🦉 1"))
    expect(chip).to_be_visible()


def test_the_autocomplete_search_ranks_shortcodes(
    team: Conversation, open_as: OpenAs, alice: User
) -> None:
    """A unit test of the composer's `:` autocomplete search (static/js/emoji.js's
    searchEmoji), run in the browser on the server's own emoji index: a name equal to
    the query first, then names starting with it, shorter first, any case; then the
    composer suggests after `:` and two characters, and not inside a word or a time."""
    page = open_as(alice, f"/chat/{team.pk}/")
    url = reverse("emoji_index", args=[emoji_index()[1]])
    found = page.evaluate(
        """async (url) => {
          const { searchEmoji } = await import("/static/js/emoji.js");
          const data = await (await fetch(url)).json();
          const index = data.emoji.map(([char, ...names]) => ({ char, names }));
          const top = (q, n) => searchEmoji(index, q).slice(0, n).map((e) => e.char);
          return {
            tada: top("tada", 1), upper: top("TADA", 1), thumbs: top("thumbs", 2),
            plus: top("+1", 1), spaced: top("party popper", 1), none: top("zzzqqq", 5),
            all: searchEmoji(index, "").length === index.length,
          };
        }""",
        url,
    )
    assert found == {
        "tada": ["🎉"], "upper": ["🎉"], "thumbs": ["👍", "👎"], "plus": ["👍"],
        "spaced": ["🎉"], "none": [], "all": True,
    }  # fmt: skip

    options = page.get_by_role("listbox", name="Emoji")
    composer(page).press_sequentially("at 10:3")
    composer(page).press_sequentially("0 :t")
    expect(options).to_be_hidden()
    composer(page).press_sequentially("ad")
    expect(options.get_by_role("option").first).to_contain_text("🎉")
    composer(page).press("Tab")
    expect(composer(page)).to_have_value("at 10:30 🎉")
