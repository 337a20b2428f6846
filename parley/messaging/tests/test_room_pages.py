"""The room and group pages, through the test client: what each shows, what each changes,
and that bad input gets a clear 4xx and changes nothing."""

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parley.accounts.models import Friendship
from parley.accounts.tests.factories import UserFactory
from parley.core.testing.clients import client_for
from parley.messaging.actions import rooms
from parley.messaging.models import Conversation, Participant, Room, RoomInvite, RoomMember

pytestmark = pytest.mark.django_db


def person(**fields: Any) -> Any:
    """A new user (typed loosely: factory_boy's types say UserFactory)."""
    return UserFactory(**fields)


def people(count: int) -> list[Any]:
    return [person() for _ in range(count)]


# --- Helpers --------------------------------------------------------------


class _Controls(HTMLParser):
    """Collects form controls, labels and buttons with their accessible names."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.buttons: list[str] = []
        self._label_depth = 0
        self._button: dict[str, str | None] | None = None
        self._button_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append({**a, "_wrapped": "yes" if self._label_depth else None})
        elif tag == "button":
            self._button, self._button_text = a, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1
        elif tag == "button" and self._button is not None:
            self.buttons.append(self._button.get("aria-label") or self._button_text.strip())
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button_text += data


def assert_accessible(html: str) -> None:
    """Every control is labelled and every button named; ids are unique."""
    page = _Controls()
    page.feed(html)
    for control in page.controls:
        labelled = (
            control["_wrapped"]
            or control.get("id") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert labelled, f"unlabelled control {control}"
    assert all(page.buttons), f"a button without a name in {page.buttons}"
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids"


def text(response) -> str:
    return response.content.decode()


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def field_errors(html: str, field_id: str) -> str:
    """The error list tied to the field with `field_id`, or ""."""
    match = re.search(rf'<ul class="errors" id="{field_id}_error"[^>]*>(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def befriend(a, b) -> None:
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)


@pytest.fixture
def room(alice):
    return rooms.check_create_room(alice, title="Team", description="Where the team talks")


@pytest.fixture
def private_room(alice):
    return rooms.check_create_room(alice, title="Secret", description="hush", is_public=False)


@pytest.fixture
def carol_client(carol):
    return client_for(carol)


def url(name: str, *args) -> str:
    return reverse(name, args=args)


# --- Everyone must sign in ------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/rooms/", "/rooms/new/", "/rooms/team/", "/rooms/team/settings/", "/groups/new/"]
)
def test_pages_need_a_signed_in_user(client, room, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- Browsing -------------------------------------------------------------


def test_the_rooms_page_lists_public_rooms_your_rooms_and_invitations(
    alice, bob, bob_client, room, private_room
):
    rooms.check_create_room(alice, title="Bob's secret", is_public=False)
    other_private = rooms.check_create_room(bob, title="Bob only", is_public=False)
    rooms.check_invite_to_room(alice, private_room, bob)

    html = text(bob_client.get(url("rooms")))

    public, mine = html.split('id="public-h"')[1], html.split('id="mine-h"')[1].split("public-h")[0]
    assert "Team" in public and "Secret" not in public and "Bob only" not in public
    assert other_private.title in mine and "Team" not in mine
    assert 'aria-label="Accept invitation to Secret"' in html
    assert 'aria-label="Decline invitation to Secret"' in html
    assert "Bob&#x27;s secret" not in html
    assert f'href="{url("room_new")}"' in html and "Create a room" in html
    assert_accessible(html)


def test_search_is_case_insensitive_on_title_and_description(alice, bob_client, room):
    rooms.check_create_room(alice, title="Knitting", description="Wool and TEAMWORK")
    rooms.check_create_room(alice, title="Chess")

    html = text(bob_client.get(url("rooms"), {"q": "tEaM"}))

    listed = re.findall(r'<a href="/rooms/([\w-]+)/">', html.split('id="public-h"')[1])
    assert listed == ["knitting", "team"]
    assert "No public room matches" in text(bob_client.get(url("rooms"), {"q": "zzz"}))


def test_public_rooms_come_twenty_a_page(alice, bob_client):
    for n in range(25):
        rooms.check_create_room(alice, title=f"Room {n:02}")

    first = text(bob_client.get(url("rooms")))
    second = text(bob_client.get(url("rooms"), {"page": 2}))
    beyond = text(bob_client.get(url("rooms"), {"page": 99}))
    not_a_page = bob_client.get(url("rooms"), {"page": "x"})

    assert first.count('<a href="/rooms/room-') == 20 and "Page 1 of 2" in first
    assert second.count('<a href="/rooms/room-') == 5 and "Room 24" in second
    assert "Page 2 of 2" in beyond  # past the end: the last page
    assert not_a_page.status_code == 400  # as the search page and the API answer
    assert "page&quot; must be a whole number of at least 1." in text(not_a_page)


def test_accepting_and_declining_invitations_from_the_rooms_page(
    alice, bob, bob_client, private_room
):
    other = rooms.check_create_room(alice, title="Other", is_public=False)
    accept = rooms.check_invite_to_room(alice, private_room, bob)
    decline = rooms.check_invite_to_room(alice, other, bob)

    joined = bob_client.post(url("invite_accept", accept.pk))
    declined = bob_client.post(url("invite_decline", decline.pk))

    assert joined["Location"] == url("room", private_room.slug)
    assert declined["Location"] == url("rooms")
    assert RoomMember.objects.filter(room=private_room, user=bob).exists()
    assert not RoomMember.objects.filter(room=other, user=bob).exists()
    assert not RoomInvite.objects.exists()
    assert bob_client.post(url("invite_accept", accept.pk)).status_code == 404


def test_someone_elses_invitation_is_not_found(alice, bob, carol_client, private_room):
    invite = rooms.check_invite_to_room(alice, private_room, bob)

    assert carol_client.post(url("invite_accept", invite.pk)).status_code == 404
    assert carol_client.post(url("invite_decline", invite.pk)).status_code == 404
    assert RoomInvite.objects.filter(pk=invite.pk).exists()
    assert carol_client.get(url("invite_accept", invite.pk)).status_code == 405


# --- Creating a room ------------------------------------------------------


def test_creating_a_room(alice, alice_client):
    form = alice_client.get(url("room_new"))
    assert form.status_code == 200
    assert "<legend>Who can join</legend>" in text(form)
    assert_accessible(text(form))

    response = alice_client.post(
        url("room_new"), {"title": "Book club", "description": "Reading", "visibility": "private"}
    )

    room = Room.objects.get()
    assert re.fullmatch(r"book-club-[a-z2-9]{8}", room.slug)  # private: a random suffix
    # The creator lands in the room's chat, its settings one click away.
    assert response["Location"] == url("chat_conversation", room.chats.get().pk)
    assert (room.title, room.description, room.is_public, room.owner) == (
        "Book club",
        "Reading",
        False,
        alice,
    )
    landed = text(alice_client.get(response["Location"]))
    assert "Your room “Book club” is ready." in landed
    assert f'href="{url("room_settings", room.slug)}">Room settings</a>' in landed


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "id_title"),
        ({"title": "", "visibility": "public"}, "id_title"),
        ({"title": "   ", "visibility": "public"}, "id_title"),
        ({"title": "x" * 81, "visibility": "public"}, "id_title"),
        ({"title": "ok", "visibility": "secret"}, "id_visibility"),
        ({"title": "ok"}, "id_visibility"),
        ({"title": "ok", "description": "d" * 1001, "visibility": "public"}, "id_description"),
    ],
)
def test_a_bad_new_room_is_refused_next_to_the_field(alice_client, data, field):
    response = alice_client.post(url("room_new"), data)

    assert response.status_code == 400
    assert field_errors(text(response), field)
    assert_accessible(text(response))
    assert not Room.objects.exists()


# --- The room page --------------------------------------------------------


def test_the_room_page_for_a_member(room, alice, bob, bob_client):
    rooms.check_join_room(bob, room)
    chat = rooms.check_create_chat(alice, room, title="random", description="Anything goes")

    html = text(bob_client.get(url("room", "team")))

    assert "<h1>Team</h1>" in html and "Where the team talks" in html
    assert '<span class="tag">Public</span>' in html
    for c in room.chats.all():
        assert f'<a href="/chat/{c.pk}/">{c.title}</a>' in html
    assert "Anything goes" in html and chat.title in html
    assert re.search(r"Alice Liddell</a>\s*<span[^>]*>@alice</span>\s*<span[^>]*>Owner<", html)
    assert ">Leave room</button>" in html and ">Join room</button>" not in html
    assert ">Start chat</button>" in html and "Room settings" not in html
    assert_accessible(html)


def test_the_room_page_for_a_visitor_and_for_the_owner(room, alice_client, bob_client):
    visitor = text(bob_client.get(url("room", "team")))
    owner = text(alice_client.get(url("room", "team")))

    assert ">Join room</button>" in visitor and not re.search(r'href="/chat/\d+/"', visitor)
    assert "Start chat" not in visitor and "Leave room" not in visitor
    assert "Leave room" not in owner and "Room settings" in owner
    assert_accessible(visitor)
    assert_accessible(owner)


def test_joining_and_leaving(room, bob, bob_client):
    assert bob_client.post(url("room_join", "team"))["Location"] == url("room", "team")
    assert set(Participant.objects.filter(user=bob).values_list("conversation", flat=True)) == set(
        room.chats.values_list("pk", flat=True)
    )
    assert "You joined “Team”." in text(bob_client.get(url("room", "team")))

    assert bob_client.post(url("room_leave", "team"))["Location"] == url("rooms")
    assert not Participant.objects.filter(user=bob).exists()
    assert bob_client.post(url("room_leave", "team")).status_code == 404


def test_the_owner_cannot_leave(room, alice, alice_client):
    response = alice_client.post(url("room_leave", "team"))

    assert response.status_code == 403
    assert "make someone else owner first" in text(response)
    assert RoomMember.objects.filter(room=room, user=alice, role="owner").exists()


def test_starting_a_chat(room, alice, alice_client):
    response = alice_client.post(url("chat_new", "team"), {"title": "plans", "description": ""})

    assert response["Location"] == url("room", "team")
    chat = room.chats.get(title="plans")
    assert chat.participants.get().user == alice


def test_a_chat_needs_a_title_and_a_member(room, alice_client, bob_client):
    empty = alice_client.post(url("chat_new", "team"), {"title": " "})
    outsider = bob_client.post(url("chat_new", "team"), {"title": "mine"})
    outsider_empty = bob_client.post(url("chat_new", "team"), {"title": ""})

    assert empty.status_code == 400
    assert "This field is required." in field_errors(text(empty), "id_title")
    assert_accessible(text(empty))
    assert outsider.status_code == 403 and outsider_empty.status_code == 403
    assert room.chats.count() == 1


def test_a_private_room_is_the_same_as_a_missing_one_to_outsiders(
    settings, private_room, alice, bob_client
):
    """Every route under a room's address answers an outsider as if no room were there."""
    settings.RATE_LIMITS = {name: (1000.0, 1000) for name in settings.RATE_LIMITS}
    slug = private_room.slug
    chat = private_room.chats.get()
    ids = f"{alice.pk}/"
    for suffix in ("", "settings/", "delete/"):
        hidden = bob_client.get(f"/rooms/{slug}/{suffix}")
        missing = bob_client.get(f"/rooms/no-such-room/{suffix}")
        assert hidden.status_code == missing.status_code == 404, suffix
        assert without_tokens(text(hidden)) == without_tokens(text(missing))
    for suffix in (
        "join/", "leave/", "chats/new/", "settings/", "settings/invite/", "delete/",
        "settings/archive/", f"settings/chats/{chat.pk}/", f"settings/members/{ids}remove/",
        f"settings/members/{ids}role/", "settings/invites/1/cancel/",
    ):  # fmt: skip
        data = {"title": "x", "username": "bob", "role": "admin", "archived": "1"}
        hidden = bob_client.post(f"/rooms/{slug}/{suffix}", data)
        missing = bob_client.post(f"/rooms/no-such-room/{suffix}", data)
        assert hidden.status_code == missing.status_code == 404, suffix
        assert without_tokens(text(hidden)) == without_tokens(text(missing))
    assert not RoomMember.objects.filter(room=private_room).exclude(role="owner").exists()
    assert private_room.chats.count() == 1
    assert Room.objects.get(pk=private_room.pk).title == "Secret"


def test_an_archived_room_shows_it_and_cannot_be_joined(room, alice, bob_client):
    rooms.check_archive_room(alice, room)

    html = text(bob_client.get(url("room", "team")))
    response = bob_client.post(url("room_join", "team"))

    assert "Archived" in html and "Join room" not in html
    assert response.status_code == 403 and not RoomMember.objects.filter(room=room).exclude(
        role="owner"
    )


# --- Settings -------------------------------------------------------------


def test_the_settings_page_for_the_owner(room, alice_client, bob):
    rooms.check_join_room(bob, room)

    html = text(alice_client.get(url("room_settings", "team")))

    assert 'value="team"' in html and ">Save details</button>" in html
    assert 'aria-label="Remove Bob Marley from the room"' in html
    assert "Role of Bob Marley" in html and 'aria-label="Save role of Bob Marley"' in html
    assert "Role of Alice Liddell" not in html and "Remove Alice Liddell" not in html
    assert 'aria-label="Save chat “general”"' in html
    assert ">Archive room</button>" in html and "Delete room…" in html
    assert_accessible(html)


def test_an_admin_sees_settings_without_roles_or_delete(room, alice, bob, bob_client, carol):
    rooms.check_join_room(bob, room)
    rooms.check_join_room(carol, room)
    rooms.check_change_role(alice, room, bob.pk, "admin")

    html = text(bob_client.get(url("room_settings", "team")))

    assert "Remove Carol King" in html and "Remove Alice Liddell" not in html
    assert "Role of" not in html and "Delete room" not in html
    assert bob_client.get(url("room_delete", "team")).status_code == 403
    assert bob_client.post(url("room_delete", "team"), {"confirm": "on"}).status_code == 403
    assert Room.objects.filter(pk=room.pk).exists()


def test_members_and_outsiders_cannot_see_or_use_settings(room, bob, bob_client, carol_client):
    rooms.check_join_room(bob, room)
    edit = {"title": "Mine", "slug": "mine", "visibility": "public"}

    assert bob_client.get(url("room_settings", "team")).status_code == 403
    assert carol_client.get(url("room_settings", "team")).status_code == 403
    assert bob_client.post(url("room_settings", "team"), edit).status_code == 403
    assert carol_client.post(url("room_settings", "team"), edit).status_code == 403
    assert bob_client.post(url("room_settings", "team"), {}).status_code == 403
    assert bob_client.post(url("room_invite", "team"), {"username": "carol"}).status_code == 403
    assert bob_client.post(url("room_archive", "team"), {"archived": "1"}).status_code == 403
    assert Room.objects.get(pk=room.pk).title == "Team" and not RoomInvite.objects.exists()


def test_editing_the_details(room, alice_client):
    response = alice_client.post(
        url("room_settings", "team"),
        {"title": "The Team", "slug": "crew", "description": "Us", "visibility": "private"},
    )

    room.refresh_from_db()
    assert response["Location"] == url("room_settings", room.slug)
    assert re.fullmatch(r"crew-[a-z2-9]{8}", room.slug)  # private: a random suffix
    assert (room.title, room.description, room.is_public) == ("The Team", "Us", False)
    assert alice_client.get(url("room", "team")).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "status"),
    [
        ({"title": "", "slug": "team", "visibility": "public"}, "id_title", 400),
        ({"title": "Team", "slug": "other", "visibility": "public"}, "id_slug", 409),
        ({"title": "Team", "slug": "new", "visibility": "public"}, "id_slug", 409),
        ({"title": "Team", "slug": "no spaces!", "visibility": "public"}, "id_slug", 400),
        ({"title": "Team", "slug": "team", "visibility": "maybe"}, "id_visibility", 400),
    ],
)
def test_bad_details_are_refused_next_to_the_field(room, alice, alice_client, data, field, status):
    rooms.check_create_room(alice, title="Other")

    response = alice_client.post(url("room_settings", "team"), data)

    assert response.status_code == status
    assert field_errors(text(response), field)
    assert_accessible(text(response))
    room.refresh_from_db()
    assert (room.title, room.slug, room.is_public) == ("Team", "team", True)


def test_inviting_by_username(private_room, alice_client, bob):
    slug = private_room.slug
    response = alice_client.post(url("room_invite", slug), {"username": "@BOB"})

    assert response["Location"] == url("room_settings", slug)
    invite = RoomInvite.objects.get()
    assert invite.invitee == bob
    html = text(alice_client.get(url("room_settings", slug)))
    assert "Bob Marley is invited." in html
    assert 'aria-label="Withdraw the invitation to Bob Marley"' in html

    alice_client.post(url("room_invite_cancel", slug, invite.pk))
    assert not RoomInvite.objects.exists()


@pytest.mark.parametrize(
    ("username", "status", "message"),
    [
        ("nobody", 400, "No one is called “nobody”."),
        ("", 400, "This field is required."),
        ("alice", 409, "Alice Liddell is already a member."),
    ],
)
def test_bad_invitations_are_refused_next_to_the_field(
    private_room, alice_client, username, status, message
):
    response = alice_client.post(url("room_invite", private_room.slug), {"username": username})

    assert response.status_code == status
    assert message in field_errors(text(response), "id_username")
    assert not RoomInvite.objects.exists()


def test_removing_members(room, alice, bob, carol, alice_client, bob_client):
    for user in (bob, carol):
        rooms.check_join_room(user, room)
    rooms.check_change_role(alice, room, bob.pk, "admin")

    refused = bob_client.post(url("member_remove", "team", alice.pk))
    removed = bob_client.post(url("member_remove", "team", carol.pk))
    missing = alice_client.post(url("member_remove", "team", carol.pk))

    assert refused.status_code == 403
    assert removed["Location"] == url("room_settings", "team")
    assert missing.status_code == 404
    assert set(room.members.values_list("user__username", flat=True)) == {"alice", "bob"}
    assert not Participant.objects.filter(user=carol).exists()


def test_changing_roles(room, alice, bob, alice_client, bob_client):
    rooms.check_join_room(bob, room)

    made_admin = alice_client.post(
        url("member_role", "team", bob.pk), {f"member-{bob.pk}-role": "admin"}
    )
    assert "Bob Marley is an admin now." in text(alice_client.get(made_admin["Location"]))
    refused = bob_client.post(
        url("member_role", "team", alice.pk), {f"member-{alice.pk}-role": "member"}
    )
    bad = alice_client.post(url("member_role", "team", bob.pk), {f"member-{bob.pk}-role": "king"})

    assert made_admin["Location"] == url("room_settings", "team")
    assert refused.status_code == 403
    assert bad.status_code == 400
    assert field_errors(text(bad), f"id_member-{bob.pk}-role")
    assert_accessible(text(bad))
    assert dict(room.members.values_list("user__username", "role")) == {
        "alice": "owner",
        "bob": "admin",
    }


def test_handing_the_room_over(room, alice, bob, alice_client):
    rooms.check_join_room(bob, room)

    alice_client.post(url("member_role", "team", bob.pk), {f"member-{bob.pk}-role": "owner"})

    assert Room.objects.get(pk=room.pk).owner == bob
    assert dict(room.members.values_list("user__username", "role")) == {
        "alice": "admin",
        "bob": "owner",
    }
    assert "Delete room" not in text(alice_client.get(url("room_settings", "team")))


def test_renaming_a_chat(room, alice_client):
    chat = room.chats.get()
    prefix = f"chat-{chat.pk}"

    response = alice_client.post(
        url("chat_rename", "team", chat.pk),
        {f"{prefix}-title": "lobby", f"{prefix}-description": "Say hi"},
    )
    empty = alice_client.post(url("chat_rename", "team", chat.pk), {f"{prefix}-title": ""})
    elsewhere = alice_client.post(url("chat_rename", "team", 999_999), {f"{prefix}-title": "x"})

    assert response["Location"] == url("room_settings", "team")
    assert empty.status_code == 400
    assert field_errors(text(empty), f"id_{prefix}-title")
    assert elsewhere.status_code == 404
    chat.refresh_from_db()
    assert (chat.title, chat.description) == ("lobby", "Say hi")


def test_a_member_cannot_rename_a_chat(room, bob, bob_client):
    rooms.check_join_room(bob, room)
    chat = room.chats.get()

    response = bob_client.post(url("chat_rename", "team", chat.pk), {f"chat-{chat.pk}-title": "x"})

    assert response.status_code == 403 and Conversation.objects.get(pk=chat.pk).title == "general"


def test_archiving_and_unarchiving(room, alice_client):
    alice_client.post(url("room_archive", "team"), {"archived": "1"})
    assert Room.objects.get(pk=room.pk).is_archived
    assert ">Unarchive room</button>" in text(alice_client.get(url("room_settings", "team")))

    alice_client.post(url("room_archive", "team"), {"archived": "0"})
    assert not Room.objects.get(pk=room.pk).is_archived

    assert alice_client.post(url("room_archive", "team"), {"archived": "maybe"}).status_code == 400
    assert not Room.objects.get(pk=room.pk).is_archived


def test_deleting_needs_a_confirmation(room, alice_client):
    page = alice_client.get(url("room_delete", "team"))
    unconfirmed = alice_client.post(url("room_delete", "team"))

    assert page.status_code == 200 and ">Delete room</button>" in text(page)
    assert_accessible(text(page))
    assert unconfirmed.status_code == 400
    assert "Tick the box" in field_errors(text(unconfirmed), "id_confirm")
    assert Room.objects.filter(pk=room.pk).exists()

    deleted = alice_client.post(url("room_delete", "team"), {"confirm": "on"})

    assert deleted["Location"] == url("rooms")
    assert not Room.objects.exists() and not Conversation.objects.exists()


# --- Groups ---------------------------------------------------------------


def test_starting_a_group_with_friends(alice, bob, carol, alice_client):
    befriend(alice, bob)
    befriend(alice, carol)

    form = text(alice_client.get(url("group_new")))
    response = alice_client.post(
        url("group_new"), {"people": [bob.pk, carol.pk], "title": "Weekend"}
    )

    assert "Bob Marley (@bob)" in form and "<legend>People (2 to 19)</legend>" in form
    assert_accessible(form)
    group = Conversation.objects.get(kind="group")
    assert response["Location"] == f"/chat/{group.pk}/"
    assert group.title == "Weekend"
    assert set(group.participants.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
        "carol",
    }


def test_a_group_needs_two_to_nineteen_friends(alice, bob, carol, alice_client):
    befriend(alice, bob)
    stranger = person()
    friends = people(19)
    for user in friends:
        befriend(alice, user)

    nobody = alice_client.post(url("group_new"), {})
    too_few = alice_client.post(url("group_new"), {"people": [bob.pk]})
    too_many = alice_client.post(url("group_new"), {"people": [bob.pk] + [u.pk for u in friends]})
    not_friends = alice_client.post(url("group_new"), {"people": [bob.pk, stranger.pk]})
    nonsense = alice_client.post(url("group_new"), {"people": ["x", bob.pk]})
    long_title = alice_client.post(
        url("group_new"), {"people": [bob.pk, friends[0].pk], "title": "t" * 81}
    )

    for response in (nobody, too_few, too_many, not_friends, nonsense, long_title):
        assert response.status_code == 400
    assert "Choose at least 2 people." in field_errors(text(nobody), "id_people")
    assert "you chose 1" in field_errors(text(too_few), "id_people")
    assert "you chose 20" in field_errors(text(too_many), "id_people")
    assert "friends only" in field_errors(text(not_friends), "id_people")
    assert field_errors(text(long_title), "id_title")
    assert_accessible(text(too_few))
    assert not Conversation.objects.filter(kind="group").exists()


def test_without_two_friends_the_group_page_says_so(alice_client):
    html = text(alice_client.get(url("group_new")))
    assert "A group needs at least two of your friends" in html


# --- Message links and navigation -----------------------------------------


def test_friends_get_a_message_link(alice, bob, carol, alice_client):
    befriend(alice, bob)

    friend = text(alice_client.get(url("profile", "bob")))
    stranger = text(alice_client.get(url("profile", "carol")))
    friends_page = text(alice_client.get(url("friends")))

    assert 'href="/chat/?to=bob"' in friend and 'aria-label="Message Bob Marley"' in friend
    assert "/chat/?to=" not in stranger
    assert 'href="/chat/?to=bob" aria-label="Message Bob Marley"' in friends_page


def test_the_navigation_links_to_rooms(alice_client):
    assert f'<a href="{url("rooms")}">Rooms <span class="badge"' in text(
        alice_client.get(url("friends"))
    )


# --- Cost -----------------------------------------------------------------


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_page_cost_does_not_grow_with_rooms_members_chats_or_invites(alice, alice_client, room):
    def grow(n: int) -> None:
        for user in people(n):
            rooms.check_join_room(user, room)
            mine = rooms.check_create_room(user, title=f"Of {user.username}", is_public=False)
            rooms.check_invite_to_room(user, mine, alice)
            rooms.check_create_room(user, title=f"Open {user.username}")
        for i in range(n):
            rooms.check_create_chat(alice, room, title=f"chat {i}")

    grow(2)
    before = [
        queries(alice_client, p) for p in ("/rooms/", "/rooms/team/", "/rooms/team/settings/")
    ]
    grow(6)
    after = [queries(alice_client, p) for p in ("/rooms/", "/rooms/team/", "/rooms/team/settings/")]

    assert after == before


def test_a_private_rooms_chats_and_messages_look_missing_by_id(private_room, alice, bob_client):
    """The routes addressed by conversation or message id answer an outsider the same for
    a private room's chat as for an id that does not exist."""
    from parley.messaging.actions.send import check_send_message

    chat = private_room.chats.get()
    message = check_send_message(
        alice, client_id="c1", body="hush", conversation_id=chat.pk
    ).message
    routes = [
        ("chat_conversation", chat.pk),
        ("api-v1:history", chat.pk),
        ("api-v1:members", chat.pk),
        ("api-v1:message_edits", message.pk),
    ]
    for name, real_id in routes:
        hidden = bob_client.get(url(name, real_id), HTTP_ACCEPT="application/json")
        missing = bob_client.get(url(name, real_id + 1000), HTTP_ACCEPT="application/json")
        assert hidden.status_code == missing.status_code == 404, name
        assert without_tokens(text(hidden)) == without_tokens(text(missing)).replace(
            str(real_id + 1000), str(real_id)
        ), name
