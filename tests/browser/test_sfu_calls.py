"""An SFU call in the browser: three people in a room, three Chromium contexts with a fake
camera and microphone, a real Janus (parley.core.testing.media) behind Parley, and the
call.sfu.* frames of docs/protocol.md. The mesh cap is lowered to 2, so a call in a room
of three goes through the SFU.

Each page publishes on one connection and receives on another; it decodes video from each
of the other two (getStats of the receiving connection's m-line for that person, as
mapped by call.sfu.offer's `streams`), waited for as a condition. When one leaves, the
others keep decoding the one still there.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from parley.accounts.models import User
from parley.core.testing.media import JanusServer, janus_server
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Conversation

from .conftest import AsgiServer, serving_asgi
from .test_calls import (  # noqa: F401 (fixtures)
    MEDIA_TIMEOUT_MS,
    OpenAs,
    call_button,
    call_view,
    chromium_args,
    control,
    open_as,
    people,
    tile,
)

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def janus() -> Iterator[JanusServer]:
    with janus_server() as server:
        yield server


@pytest.fixture(scope="module")
def sfu_live_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, janus: JanusServer
) -> Iterator[AsgiServer]:
    """The ASGI server with the private Janus, and a mesh of at most 2 with video."""
    environment = {
        "JANUS_URL": janus.url,
        "JANUS_API_SECRET": janus.api_secret,
        "CALL_MESH_MAX_VIDEO": "2",
    }
    with serving_asgi(tmp_path_factory, environment) as server:
        yield server


@pytest.fixture
def site_url(sfu_live_server: AsgiServer) -> str:
    return sfu_live_server.url


@pytest.fixture
def big_room(alice: User, bob: User, carol: User) -> Conversation:
    room = check_create_room(alice, title="Big room")
    for member in (bob, carol):
        check_join_room(member, room)
    return room.chats.get()


def expect_video_from(page: Page, *users: User) -> None:
    """The page decodes video from each of `users` (and from no one else)."""
    wanted = sorted(user.pk for user in users)
    page.wait_for_function(
        "async wanted => JSON.stringify(await window.parleyCall.decoding())"
        " === JSON.stringify(wanted)",
        arg=wanted,
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )


def frames_from(page: Page, user: User) -> int:
    return int(page.evaluate("async () => window.parleyCall.framesDecoded()").get(str(user.pk), 0))


def test_three_people_see_each_other_through_the_sfu(
    open_as: OpenAs,  # noqa: F811 (the fixture of test_calls)
    big_room: Conversation,
    alice: User,
    bob: User,
    carol: User,
) -> None:
    pages = {user.pk: open_as(user, f"/chat/{big_room.pk}/") for user in (alice, bob, carol)}
    call_button(pages[alice.pk], "Video").click()
    expect(call_view(pages[alice.pk])).to_be_visible()
    for user in (bob, carol):
        banner = pages[user.pk].get_by_role("region", name="Call in progress")
        banner.get_by_role("button", name="Join").click()
        expect(call_view(pages[user.pk])).to_be_visible()

    everyone = (alice, bob, carol)
    for user in everyone:
        page = pages[user.pk]
        assert page.evaluate("window.parleyCall.mode()") == "sfu"
        expect(people(page, "In the call (3)")).to_be_visible()
        # Two connections however many people: one publishing, one receiving.
        expect_video_from(page, *(other for other in everyone if other != user))
        assert page.evaluate("window.parleyCall.connections().length") == 2
        for other in everyone:
            if other != user:
                expect(tile(page, other.display_name)).to_have_class(re.compile("has-video"))

    # Alice mutes: the others see it on her tile (call.media through Parley).
    control(pages[alice.pk], "Mute").click()
    expect(control(pages[alice.pk], "Mute")).to_have_attribute("aria-pressed", "true")
    for user in (bob, carol):
        expect(tile(pages[user.pk], alice.display_name).get_by_text("Muted")).to_be_attached()
        expect(
            tile(
                pages[user.pk], carol.display_name if user == bob else bob.display_name
            ).get_by_text("Muted")
        ).to_have_count(0)
    control(pages[alice.pk], "Mute").click()
    for user in (bob, carol):
        expect(tile(pages[user.pk], alice.display_name).get_by_text("Muted")).to_have_count(0)

    # Carol's connections with the SFU fail (ICE), her socket staying up: her page takes a
    # fresh place in the room and publishes and subscribes again on new connections.
    carol_page = pages[carol.pk]
    carol_page.evaluate(
        "() => { for (const pc of window.parleyCall.connections()) pc.old = true;"
        " window.parleyCall.calls.active.mesh.onFailed(); }"
    )
    carol_page.wait_for_function(
        "() => window.parleyCall.connections().length === 2"
        " && window.parleyCall.connections().every((pc) => !pc.old)",
        polling=250,
        timeout=MEDIA_TIMEOUT_MS,
    )
    expect(carol_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    expect_video_from(carol_page, alice, bob)
    for user in (alice, bob):
        before = frames_from(pages[user.pk], carol)
        pages[user.pk].wait_for_function(
            "async ([carol, before]) => ((await window.parleyCall.framesDecoded())[carol] || 0)"
            " > before",
            arg=[carol.pk, before],
            polling=250,
            timeout=MEDIA_TIMEOUT_MS,
        )

    # Bob's socket drops and comes back: the server gives his new socket a fresh place in
    # the SFU's room, so his page publishes and subscribes anew on new connections; the
    # others receive his new feed (their count of his frames grows past where it was).
    bob_page = pages[bob.pk]
    bob_page.context.set_offline(True)
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "offline")
    bob_page.context.set_offline(False)
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    expect_video_from(bob_page, alice, carol)
    for user in (alice, carol):
        before = frames_from(pages[user.pk], bob)
        pages[user.pk].wait_for_function(
            "async ([bob, before]) => ((await window.parleyCall.framesDecoded())[bob] || 0)"
            " > before",
            arg=[bob.pk, before],
            polling=250,
            timeout=MEDIA_TIMEOUT_MS,
        )
        expect(people(pages[user.pk], "In the call (3)")).to_be_visible()

    # Carol leaves: the SFU renegotiates the others' receiving connections, which keep
    # Alice's and Bob's video going, and Carol's tile goes.
    control(pages[carol.pk], "Leave").click()
    for user, other in ((alice, bob), (bob, alice)):
        page = pages[user.pk]
        expect(people(page, "In the call (2)")).to_be_visible()
        expect(tile(page, carol.display_name)).to_have_count(0)
        expect_video_from(page, other)
