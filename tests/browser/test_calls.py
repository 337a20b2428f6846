"""Calls in the browser: two people, two Chromium contexts with a fake camera and
microphone, over the real WebSocket and peer-to-peer WebRTC (docs/protocol.md, "Calls").

Media are checked where a person would see them: each page's peer connection reports
video frames decoded from the other (getStats, inbound-rtp framesDecoded > 0), waited for
as a condition. With PARLEY_SCREENSHOTS=1 the first test also replaces
docs/call-incoming.png and docs/call-view.png (scripts/call-screenshots.sh).
"""

import math
import os
import re
import struct
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from parley.accounts.actions.friends import check_accept_friend_request, check_send_friend_request
from parley.accounts.models import FriendRequest, User
from parley.core.testing.clients import client_for
from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Conversation

from .conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

OpenAs = Callable[..., Page]
MEDIA_TIMEOUT_MS = 30_000

# Frames decoded from the other side, on any of the page's peer connections.
VIDEO_DECODING_JS = """
async () => {
  for (const pc of window.parleyCall.connections()) {
    const stats = await pc.getStats();
    for (const report of stats.values()) {
      const video = report.type === "inbound-rtp" && report.kind === "video";
      if (video && report.framesDecoded > 0) return true;
    }
  }
  return false;
}
"""


@pytest.fixture
def chromium_args(tmp_path: Path) -> list[str]:
    return [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_like(tmp_path / 'speech.wav')}",
        "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
    ]


def speech_like(path: Path) -> Path:
    """A WAV file of loud tone bursts of changing pitch, as the fake microphones' sound:
    unlike Chromium's steady beep, the microphone's noise suppression keeps it, so the
    speaking indicators light up reliably."""
    rate = 16_000
    frames = bytearray()
    for burst in range(20):
        pitch = 220 + 90 * (burst % 7)
        for n in range(rate * 3 // 10):  # 0.3 s of tone, then 0.2 s of silence
            frames += struct.pack("<h", int(20_000 * math.sin(2 * math.pi * pitch * n / rate)))
        frames += bytes(2 * rate // 5)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


@pytest.fixture
def site_url(asgi_live_server) -> str:
    return asgi_live_server.url


@pytest.fixture
def open_as(new_page: Callable[[], Page], site_url: str) -> OpenAs:
    """A signed-in page for `user` (their own browser context) at `path`."""

    def open_page(
        user: User, path: str, *, width: int = 1280, height: int = 800, chat: bool = True
    ) -> Page:
        page = new_page()
        page.set_viewport_size({"width": width, "height": height})
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
        )
        page.goto(path)
        if chat:
            expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page


@pytest.fixture
def direct(alice: User, bob: User) -> Conversation:
    check_send_friend_request(alice, bob)
    check_accept_friend_request(bob, FriendRequest.objects.get(from_user=alice, to_user=bob).pk)
    return check_direct_conversation(alice, bob.pk)


@pytest.fixture
def team(alice: User, bob: User) -> Conversation:
    """The general chat of room "Team", with Alice and Bob in it."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room.chats.get()


def call_button(page: Page, kind: str) -> Locator:
    return page.get_by_role("group", name="Call").get_by_role("button", name=f"{kind} call")


def call_view(page: Page) -> Locator:
    return page.locator(".call-view")


def tile(page: Page, name: str) -> Locator:
    return page.get_by_role("list", name="Video").get_by_role("listitem", name=name, exact=True)


def control(page: Page, name: str) -> Locator:
    return page.get_by_role("toolbar", name="Call controls").get_by_role("button", name=name)


def people(page: Page, name: str | re.Pattern[str] = re.compile("In the call")) -> Locator:
    return page.get_by_role("complementary", name=name)


def status(page: Page, text: str) -> Locator:
    return page.get_by_role("status").filter(has_text=text)


def history(page: Page) -> Locator:
    return page.get_by_role("log").locator(".ch-msg-body")


def expect_video_from_the_other(page: Page) -> None:
    page.wait_for_function(VIDEO_DECODING_JS, polling=250, timeout=MEDIA_TIMEOUT_MS)


def remote_ice_ufrag(page: Page) -> str:
    """The ICE username fragment the other side last offered or answered with."""
    return page.evaluate(
        "window.parleyCall.connections()[0].remoteDescription.sdp.match(/a=ice-ufrag:(\\S+)/)[1]"
    )


VIDEO_FRAMES_JS = """async () => {
  let frames = 0;
  for (const pc of window.parleyCall.connections()) {
    for (const r of (await pc.getStats()).values()) {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded || 0;
    }
  }
  return frames;
}"""


def frames_decoded(page: Page) -> int:
    return page.evaluate(VIDEO_FRAMES_JS)


def test_a_direct_video_call_rings_connects_mutes_and_hangs_up_for_both(
    open_as: OpenAs,
    direct: Conversation,
    team: Conversation,
    alice: User,
    bob: User,
    tmp_path: Path,
) -> None:
    folder = Path("docs") if os.environ.get("PARLEY_SCREENSHOTS") else tmp_path
    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    # Bob reads another conversation, on a phone.
    bob_page = open_as(bob, f"/chat/{team.pk}/", width=390, height=844)

    call_button(alice_page, "Video").click()
    expect(call_view(alice_page)).to_be_visible()
    expect(alice_page.locator(".call-clock").first).to_have_text("Ringing…")

    prompt = bob_page.get_by_role("dialog", name="Alice Liddell is calling")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Video call")
    accept = prompt.get_by_role("button", name="Accept video call")
    expect(accept).to_be_focused()
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 390
    bob_page.screenshot(path=folder / "call-incoming.png")
    accept.click()
    expect(prompt).to_be_hidden()

    # Accepting opens the call's conversation, with the call view on top.
    expect(bob_page).to_have_url(re.compile(rf"/chat/{direct.pk}/$"))
    expect(call_view(bob_page)).to_be_visible()
    for page in (alice_page, bob_page):
        expect(people(page)).to_contain_text("Alice Liddell")
        expect(people(page)).to_contain_text("Bob Marley")
    expect_video_from_the_other(alice_page)
    expect_video_from_the_other(bob_page)
    expect(tile(alice_page, "Bob Marley")).to_have_class(re.compile("has-video"))
    expect(tile(bob_page, "Alice Liddell")).to_have_class(re.compile("has-video"))
    # The fake microphone plays tone bursts: the speaking indicator lights up on the
    # other's tile.
    expect(tile(alice_page, "Bob Marley")).to_have_class(re.compile("is-speaking"))
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 390

    # Alice mutes: Bob sees it on her tile.
    control(alice_page, "Mute").click()
    expect(control(alice_page, "Mute")).to_have_attribute("aria-pressed", "true")
    expect(tile(bob_page, "Alice Liddell").get_by_text("Muted")).to_be_attached()
    expect(tile(bob_page, "Bob Marley (you)").get_by_text("Muted")).to_have_count(0)
    alice_page.mouse.move(0, 0)
    alice_page.screenshot(path=folder / "call-view.png")

    # Bob hangs up: the call ends for both, and each history says how long it was.
    control(bob_page, "Leave").click()
    for page in (alice_page, bob_page):
        expect(call_view(page)).to_have_count(0)
        entry = history(page).filter(has_text=re.compile(r"^\s*Call, \d+ s\s*$", re.IGNORECASE))
        expect(entry).to_have_count(1)
    expect(status(alice_page, "The call ended.")).to_be_attached()
    assert alice_page.evaluate("window.parleyCall.connections().length") == 0


def test_a_declined_call_tells_the_caller(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    bob_page = open_as(bob, f"/chat/{direct.pk}/")

    call_button(alice_page, "Voice").click()
    prompt = bob_page.get_by_role("dialog", name="Alice Liddell is calling")
    expect(prompt).to_contain_text("Voice call")
    prompt.get_by_role("button", name="Decline").click()
    expect(prompt).to_be_hidden()

    expect(call_view(alice_page)).to_have_count(0)
    expect(status(alice_page, "Bob Marley declined the call.")).to_be_attached()
    for page in (alice_page, bob_page):
        expect(history(page).filter(has_text="Declined call")).to_have_count(1)
    expect(call_view(bob_page)).to_have_count(0)


def test_the_video_rooms_page_lists_a_live_group_call_and_joins_it(
    open_as: OpenAs, team: Conversation, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, "/video-rooms/", chat=False)
    expect(bob_page.get_by_role("heading", name="Video rooms")).to_be_visible()
    expect(bob_page.get_by_text("No calls going on right now.")).to_be_visible()

    call_button(alice_page, "Video").click()
    expect(call_view(alice_page)).to_be_visible()

    # The list follows the socket: the call appears without a reload.
    calls = bob_page.get_by_role("list", name="Calls going on")
    expect(calls.get_by_role("listitem")).to_have_count(1)
    expect(calls.get_by_role("listitem")).to_contain_text("Team › general")
    expect(calls.get_by_role("listitem")).to_contain_text(
        "Video call · Room chat · Alice Liddell is in it"
    )
    calls.get_by_role("link", name="Join the call in Team › general").click()

    expect(bob_page).to_have_url(re.compile(rf"/chat/{team.pk}/$"))
    expect(call_view(bob_page)).to_be_visible()
    for page in (alice_page, bob_page):
        expect(people(page, "In the call (2)")).to_be_visible()
    expect_video_from_the_other(bob_page)
    expect_video_from_the_other(alice_page)

    # Alice, reading nothing else, sees no join banner for the call she is in; Bob
    # leaves, and the room's call goes on with Alice until she leaves too.
    expect(alice_page.get_by_role("region", name="Call in progress")).to_be_hidden()
    control(bob_page, "Leave").click()
    expect(bob_page.get_by_role("region", name="Call in progress")).to_contain_text("Alice Liddell")
    expect(people(alice_page, "In the call (1)")).to_be_visible()


def test_a_dropped_connection_rejoins_the_call_and_restarts_ice(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    bob_page = open_as(bob, f"/chat/{direct.pk}/")
    call_button(alice_page, "Voice").click()
    bob_page.get_by_role("dialog", name="Alice Liddell is calling").get_by_role(
        "button", name="Accept voice call"
    ).click()
    for page in (alice_page, bob_page):
        expect(people(page, "In the call (2)")).to_be_visible()
    # A voice call: Alice turns her camera on, which renegotiates; Bob sees her video.
    control(alice_page, "Camera").click()
    expect(control(alice_page, "Camera")).to_have_attribute("aria-pressed", "true")
    expect_video_from_the_other(bob_page)
    expect(tile(bob_page, "Alice Liddell")).to_have_class(re.compile("has-video"))
    before = remote_ice_ufrag(alice_page)

    # Bob's socket goes and comes back (within the grace period): he takes his place again
    # and offers an ICE restart; the call carries on for both.
    bob_page.context.set_offline(True)
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "offline")
    bob_page.context.set_offline(False)
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    alice_page.wait_for_function(
        "before => window.parleyCall.connections()[0].remoteDescription.sdp"
        ".match(/a=ice-ufrag:(\\S+)/)[1] !== before",
        arg=before,
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )
    decoded = frames_decoded(bob_page)
    bob_page.wait_for_function(
        f"async () => ({VIDEO_FRAMES_JS})() .then(n => n > {decoded})",
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )
    for page in (alice_page, bob_page):
        expect(people(page, "In the call (2)")).to_be_visible()
        expect(call_view(page)).to_be_visible()


def test_a_member_removed_from_the_room_mid_call_is_out_of_it_at_once(
    open_as: OpenAs, team: Conversation, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{team.pk}/")
    bob_page = open_as(bob, f"/chat/{team.pk}/")
    call_button(alice_page, "Video").click()
    expect(call_view(alice_page)).to_be_visible()
    bob_page.get_by_role("region", name="Call in progress").get_by_role(
        "button", name="Join"
    ).click()
    for page in (alice_page, bob_page):
        expect(people(page, "In the call (2)")).to_be_visible()
    expect_video_from_the_other(alice_page)

    # Alice removes Bob from the room (in another tab of hers): his page takes the call
    # down at once and says why; hers closes the connection with him.
    assert team.room is not None
    settings_page = open_as(alice, f"/rooms/{team.room.slug}/settings/", chat=False)
    settings_page.get_by_role("button", name="Remove Bob Marley from the room").click()
    expect(call_view(bob_page)).to_have_count(0)
    expect(
        status(bob_page, "You are no longer in this conversation, so you left the call.")
    ).to_be_attached()
    expect(people(alice_page, "In the call (1)")).to_be_visible()
    expect(tile(alice_page, "Bob Marley")).to_have_count(0)
    alice_page.wait_for_function("() => window.parleyCall.connections().length === 0")


def test_a_tab_opened_while_a_call_rings_can_answer_it(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> None:
    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    bob_first = open_as(bob, f"/chat/{direct.pk}/")
    call_button(alice_page, "Voice").click()
    ringing = bob_first.get_by_role("dialog", name="Alice Liddell is calling")
    expect(ringing).to_be_visible()

    # Bob opens another tab while it rings: it rings too, and answering there stops the
    # ringing in the first.
    bob_later = open_as(bob, f"/chat/{direct.pk}/")
    prompt = bob_later.get_by_role("dialog", name="Alice Liddell is calling")
    expect(prompt).to_be_visible()
    prompt.get_by_role("button", name="Accept voice call").click()
    expect(call_view(bob_later)).to_be_visible()
    expect(ringing).to_be_hidden()
    expect(call_view(bob_first)).to_have_count(0)
    expect(people(alice_page, "In the call (2)")).to_be_visible()
