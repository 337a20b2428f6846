"""The call controls issue #13 asks for beyond those of test_calls.py: screen sharing, the
choice of microphone and camera, and the in-call bar shown while you read another
conversation. Two people in a direct video call, two Chromium contexts with fake devices
(two fake cameras here, so there is one to switch to) over the real WebSocket and WebRTC.

Chromium's fake UI accepts the screen picker and its fake devices give a 1280x720 screen
(the fake camera is 640x360 here), so the other side can tell the screen from the camera
by the width of the video it shows.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from parley.accounts.models import User
from parley.messaging.models import Conversation

from . import test_calls as calls
from .conftest import CHROMIUM_ARGS
from .test_calls import (
    MEDIA_TIMEOUT_MS,
    VIDEO_FRAMES_JS,
    OpenAs,
    call_button,
    call_view,
    control,
    expect_video_from_the_other,
    frames_decoded,
    history,
    people,
    speech_like,
    tile,
)

# The call tests' fixtures, used here too (pytest finds a fixture by the module's names).
site_url = calls.site_url
open_as = calls.open_as
direct = calls.direct
team = calls.team

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_args(tmp_path: Path) -> list[str]:
    return [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream=device-count=2",
        f"--use-file-for-fake-audio-capture={speech_like(tmp_path / 'speech.wav')}",
        "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
    ]


def in_a_video_call(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> tuple[Page, Page]:
    """Alice calls Bob in their direct conversation and he answers; both see the other."""
    alice_page = open_as(alice, f"/chat/{direct.pk}/")
    bob_page = open_as(bob, f"/chat/{direct.pk}/")
    call_button(alice_page, "Video").click()
    bob_page.get_by_role("dialog", name="Alice Liddell is calling").get_by_role(
        "button", name="Accept video call"
    ).click()
    for page in (alice_page, bob_page):
        expect(people(page, "In the call (2)")).to_be_visible()
    expect_video_from_the_other(alice_page)
    expect_video_from_the_other(bob_page)
    return alice_page, bob_page


# The sound energy received from the other side so far (inbound-rtp totalAudioEnergy).
AUDIO_ENERGY_JS = """async () => {
  let energy = 0;
  for (const pc of window.parleyCall.connections()) {
    for (const r of (await pc.getStats()).values()) {
      if (r.type === "inbound-rtp" && r.kind === "audio") energy += r.totalAudioEnergy || 0;
    }
  }
  return energy;
}"""


def wait_for_width(page: Page, video: Locator, condition: str) -> None:
    """Wait until the width of the video `video` shows meets `condition` (JS, on `w`)."""
    video.evaluate(
        f"""(video, timeout) => new Promise((resolve, reject) => {{
          const deadline = Date.now() + timeout;
          const check = () => {{
            const w = video.videoWidth;
            if ({condition}) return resolve(w);
            if (Date.now() > deadline) return reject(new Error(`video width ${{w}}`));
            setTimeout(check, 250);
          }};
          check();
        }})""",
        MEDIA_TIMEOUT_MS,
    )


def wait_for_more_frames(page: Page) -> None:
    """More video frames decoded from the other side than now: the video goes on."""
    decoded = frames_decoded(page)
    page.wait_for_function(
        f"async () => ({VIDEO_FRAMES_JS})().then(n => n > {decoded})",
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )


def test_sharing_the_screen_shows_it_to_the_other_and_stopping_returns_to_the_camera(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> None:
    alice_page, bob_page = in_a_video_call(open_as, direct, alice, bob)
    alices_video = tile(bob_page, "Alice Liddell").locator("video")
    wait_for_width(bob_page, alices_video, "w > 0 && w <= 640")

    share = control(alice_page, "Share screen")
    expect(share).to_have_attribute("aria-pressed", "false")
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    mine = tile(alice_page, "Alice Liddell (you)")
    expect(mine.get_by_text("Sharing screen")).to_be_visible()
    expect(mine).to_have_class(re.compile(r"\bis-sharing\b"))
    expect(mine).not_to_have_class(re.compile(r"\bis-mirrored\b"))  # a screen is not mirrored

    # Bob sees her screen: her tile says so and shows the screen's 1280-wide picture.
    theirs = tile(bob_page, "Alice Liddell")
    expect(theirs.get_by_text("Sharing screen")).to_be_visible()
    expect(theirs).to_have_class(re.compile(r"\bhas-video\b"))
    wait_for_width(bob_page, alices_video, "w > 640")
    wait_for_more_frames(bob_page)

    # She stops: her camera again, on both sides.
    share.click()
    expect(share).to_have_attribute("aria-pressed", "false")
    expect(mine.get_by_text("Sharing screen")).to_have_count(0)
    expect(mine).to_have_class(re.compile(r"\bis-mirrored\b"))
    expect(theirs.get_by_text("Sharing screen")).to_have_count(0)
    expect(theirs).to_have_class(re.compile(r"\bhas-video\b"))
    wait_for_width(bob_page, alices_video, "w > 0 && w <= 640")
    wait_for_more_frames(bob_page)


def test_choosing_another_microphone_and_camera_keeps_the_call_going(
    open_as: OpenAs, direct: Conversation, alice: User, bob: User
) -> None:
    alice_page, bob_page = in_a_video_call(open_as, direct, alice, bob)
    devices = control(alice_page, "Devices")
    expect(devices).to_have_attribute("aria-expanded", "false")
    devices.click()
    expect(devices).to_have_attribute("aria-expanded", "true")
    camera = alice_page.get_by_role("combobox", name="Camera")
    microphone = alice_page.get_by_role("combobox", name="Microphone")
    # The fake devices, by name; the ones in use chosen.
    expect(camera.get_by_role("option")).to_have_text(["fake_device_0", "fake_device_1"])
    expect(camera.locator("option:checked")).to_have_text("fake_device_0")
    expect(microphone.get_by_role("option", name="Fake Audio Input 1")).to_be_attached()

    camera.select_option(label="fake_device_1")
    microphone.select_option(label="Fake Audio Input 1")
    # The panel, opened again, reads the devices from the tracks in use: the new ones.
    devices.click()
    expect(camera).to_be_hidden()
    devices.click()
    expect(camera.locator("option:checked")).to_have_text("fake_device_1")
    expect(microphone.locator("option:checked")).to_have_text("Fake Audio Input 1")
    expect(control(alice_page, "Camera")).to_have_attribute("aria-pressed", "true")
    expect(call_view(alice_page).locator(".call-status")).to_be_empty()  # no error said
    # Alice's own speaking indicator follows the new microphone.
    mine = tile(alice_page, "Alice Liddell (you)")
    expect(mine).to_have_class(re.compile(r"\bis-speaking\b"))
    expect(people(alice_page, "In the call (2)")).to_contain_text("you, speaking")

    # The old ones are stopped: Bob keeps receiving Alice's video from the new camera and
    # hearing her new microphone (its tone reaches his speaker: audio energy grows).
    wait_for_more_frames(bob_page)
    expect(tile(bob_page, "Alice Liddell")).to_have_class(re.compile(r"\bhas-video\b"))
    energy = bob_page.evaluate(AUDIO_ENERGY_JS)
    bob_page.wait_for_function(
        f"async () => ({AUDIO_ENERGY_JS})().then(e => e > {energy} + 0.01)",
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )
    # And remembered for the next call.
    assert alice_page.evaluate("localStorage.getItem('parley.call.camera')") == camera.input_value()


def test_the_in_call_bar_follows_you_to_another_conversation_and_back(
    open_as: OpenAs, direct: Conversation, team: Conversation, alice: User, bob: User
) -> None:
    alice_page, bob_page = in_a_video_call(open_as, direct, alice, bob)
    bar = alice_page.get_by_role("region", name="Your call")
    expect(bar).to_be_hidden()

    conversations = alice_page.get_by_role("navigation", name="Conversations")
    conversations.get_by_role("link", name=re.compile("general")).click()
    expect(alice_page).to_have_url(re.compile(rf"/chat/{team.pk}/$"))
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("In a call with Bob Marley")
    expect(call_view(alice_page)).to_be_hidden()
    # The call goes on meanwhile.
    wait_for_more_frames(bob_page)

    bar.get_by_role("button", name="Return to call").click()
    expect(alice_page).to_have_url(re.compile(rf"/chat/{direct.pk}/$"))
    expect(call_view(alice_page)).to_be_visible()
    expect(bar).to_be_hidden()

    # Away again, Alice hangs up from the bar: the call ends for both.
    conversations.get_by_role("link", name=re.compile("general")).click()
    expect(bar).to_be_visible()
    bar.get_by_role("button", name="Leave").click()
    expect(bar).to_have_count(0)
    expect(call_view(bob_page)).to_have_count(0)
    call_entry = re.compile(r"^\s*Call, \d+ s\s*$", re.IGNORECASE)
    expect(history(bob_page).filter(has_text=call_entry)).to_have_count(1)
    alice_page.get_by_role("navigation", name="Conversations").get_by_role(
        "link", name=re.compile("Bob Marley")
    ).click()
    expect(history(alice_page).filter(has_text=call_entry)).to_have_count(1)
    assert alice_page.evaluate("window.parleyCall.connections().length") == 0
