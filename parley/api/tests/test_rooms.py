"""Rooms, members, invitations, chats and group conversations over the API with a token:
what each endpoint answers and what members' sockets hear, the roles the room pages
enforce, a private room answered exactly as a missing one on every route, bad input
named by field, and read-only tokens refused."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from parley.accounts.models import Friendship
from parley.accounts.tests.factories import UserFactory
from parley.api.tests.test_conversations import token_client
from parley.core.testing.sockets import open_socket
from parley.messaging.actions import rooms
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Room, RoomInvite, RoomMember

MISSING = 987_654


def person(username: str) -> Any:
    """A new user (typed loosely: factory_boy's types say UserFactory)."""
    return UserFactory(username=username)


def befriend(a: Any, b: Any) -> None:
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)


@pytest.fixture
def _generous_limits(settings):
    """Tests that make more room changes than one burst allows."""
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "room": (1000.0, 1000),
        "invite": (1000.0, 1000),
    }


@pytest.fixture
def private_room(alice, bob):
    """A private room "Board" owned by alice, with bob as a member."""
    room = rooms.check_create_room(alice, title="Board", is_public=False)
    rooms.do_join_room(bob, room)
    return room


def summary(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "avatar": None,
        "bot": False,
    }


# --- Rooms -------------------------------------------------------------------------------


def test_a_script_creates_reads_and_edits_a_room(alice, bob):
    script = token_client(alice)

    created = script.post(
        "/api/v1/rooms",
        {"title": "Design", "description": "Pixels", "private": False},
        content_type="application/json",
    )
    room_id = created.json()["id"]
    read = token_client(bob).get(f"/api/v1/rooms/{room_id}")
    edited = script.patch(
        f"/api/v1/rooms/{room_id}", {"title": "Design team"}, content_type="application/json"
    )

    assert created.status_code == 201
    assert created.json() == {
        "id": room_id,
        "slug": "design",
        "title": "Design",
        "description": "Pixels",
        "private": False,
        "archived": False,
        "role": "owner",
        "member_count": 1,
    }
    assert read.status_code == 200
    assert read.json() == {**created.json(), "role": None}
    assert edited.status_code == 200
    assert edited.json() == {**created.json(), "title": "Design team"}  # the slug stays
    assert Room.objects.get(pk=room_id).chats.get().title == "general"


def test_browsing_lists_public_rooms_by_query_and_cursor(alice, bob, room, private_room):
    for n in range(21):
        rooms.check_create_room(alice, title=f"Zebra {n:02}")
    script = token_client(bob)

    first = script.get("/api/v1/rooms", {"limit": 20}).json()
    second = script.get("/api/v1/rooms", {"after": first["next"], "limit": 20}).json()
    team = script.get("/api/v1/rooms", {"q": "TEA"}).json()

    assert len(first["rooms"]) == 20 and first["has_more"]
    assert [r["title"] for r in second["rooms"]] == ["Zebra 19", "Zebra 20"]
    assert not second["has_more"] and second["next"] is None
    assert team == {
        "rooms": [
            {
                "id": room.pk,
                "slug": "team",
                "title": "Team",
                "description": "",
                "private": False,
                "archived": False,
                "role": "member",
                "member_count": 2,
            }
        ],
        "has_more": False,
        "next": None,
    }
    assert "Board" not in [r["title"] for r in first["rooms"] + second["rooms"]]


def test_my_rooms_include_private_ones(alice, bob, carol, room, private_room):
    mine = token_client(bob).get("/api/v1/rooms/mine").json()["rooms"]
    theirs = token_client(carol).get("/api/v1/rooms/mine").json()["rooms"]

    assert [(r["title"], r["private"], r["role"]) for r in mine] == [
        ("Board", True, "member"),
        ("Team", False, "member"),
    ]
    assert theirs == []


def test_joining_and_leaving_tell_the_joiners_sockets(room, chat, carol, listener):
    listener.subscribe(carol)
    script = token_client(carol)

    joined = script.post(f"/api/v1/rooms/{room.pk}/join")
    joined_events = listener.events_for(carol)
    left = script.post(f"/api/v1/rooms/{room.pk}/leave")
    left_events = listener.events_for(carol)

    assert joined.status_code == 200
    assert (joined.json()["role"], joined.json()["member_count"]) == ("member", 3)
    assert [(e["type"], e["change"], e["conversation"]) for e in joined_events] == [
        ("membership.changed", "joined", chat.pk)
    ]
    assert left.status_code == 204 and left.content == b""
    assert [(e["change"], e["conversation"]) for e in left_events] == [("left", chat.pk)]
    assert not RoomMember.objects.filter(room=room, user=carol).exists()


def test_archiving_and_deleting(room, chat, alice, bob, listener):
    listener.subscribe(bob)
    script = token_client(alice)

    archived = script.post(f"/api/v1/rooms/{room.pk}/archive")
    refused_chat = token_client(bob).post(
        f"/api/v1/rooms/{room.pk}/chats", {"title": "late"}, content_type="application/json"
    )
    reopened = script.post(f"/api/v1/rooms/{room.pk}/unarchive")
    listener.events_for(bob)
    deleted = script.delete(f"/api/v1/rooms/{room.pk}")

    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert refused_chat.status_code == 403
    assert reopened.json()["archived"] is False
    assert deleted.status_code == 204
    assert [(e["change"], e["conversation"]) for e in listener.events_for(bob)] == [
        ("left", chat.pk)
    ]
    assert token_client(bob).get(f"/api/v1/rooms/{room.pk}").status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_edits_reach_members_sockets(room, chat, alice, bob):
    socket, _, _ = await open_socket(bob)
    script = await database_sync_to_async(token_client)(alice)

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        send = getattr(script, method)
        return send(path, body, content_type="application/json") if body else send(path)

    edit = database_sync_to_async(call)
    await edit("patch", f"/api/v1/rooms/{room.pk}", {"title": "Crew", "slug": "crew"})
    moved = await socket.receive()
    await edit("post", f"/api/v1/rooms/{room.pk}/archive")
    archived = await socket.receive()
    renamed = await edit("patch", f"/api/v1/rooms/{room.pk}/chats/{chat.pk}", {"title": "plans"})
    retitled = await socket.receive()

    assert moved["type"] == "conversation.updated"
    assert moved["room"] == {"id": room.pk, "slug": "crew", "title": "Crew", "archived": False}
    assert archived["room"]["archived"] is True
    assert renamed.json() == {
        "id": chat.pk,
        "room": room.pk,
        "title": "plans",
        "description": "",
        "default": True,
    }
    assert (retitled["conversation"], retitled["title"]) == (chat.pk, "Crew › plans")
    await socket.close()


# --- A private room is invisible to outsiders ---------------------------------------------


def _routes(room_id: int, owner: Any, member: Any, invite_id: int, chat_id: int) -> list:
    return [
        ("get", f"/api/v1/rooms/{room_id}", None),
        ("patch", f"/api/v1/rooms/{room_id}", {"title": "Mine now"}),
        ("delete", f"/api/v1/rooms/{room_id}", None),
        ("post", f"/api/v1/rooms/{room_id}/archive", None),
        ("post", f"/api/v1/rooms/{room_id}/unarchive", None),
        ("post", f"/api/v1/rooms/{room_id}/join", None),
        ("post", f"/api/v1/rooms/{room_id}/leave", None),
        ("get", f"/api/v1/rooms/{room_id}/members", None),
        ("patch", f"/api/v1/rooms/{room_id}/members/{owner.pk}", {"role": "member"}),
        ("delete", f"/api/v1/rooms/{room_id}/members/{member.pk}", None),
        ("get", f"/api/v1/rooms/{room_id}/invites", None),
        ("post", f"/api/v1/rooms/{room_id}/invites", {"username": member.username}),
        ("delete", f"/api/v1/rooms/{room_id}/invites/{invite_id}", None),
        ("get", f"/api/v1/rooms/{room_id}/chats", None),
        ("post", f"/api/v1/rooms/{room_id}/chats", {"title": "mine"}),
        ("patch", f"/api/v1/rooms/{room_id}/chats/{chat_id}", {"title": "mine"}),
    ]


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize("outsider_is_invited", [False, True])
def test_a_private_room_answers_outsiders_as_a_missing_one(
    private_room, alice, bob, carol, outsider_is_invited
):
    dave = person("dave")
    invite = rooms.check_invite_to_room(alice, private_room, dave)
    if outsider_is_invited:
        rooms.check_invite_to_room(alice, private_room, carol)
    chat = private_room.chats.get()
    script = token_client(carol)

    hidden = _routes(private_room.pk, alice, bob, invite.pk, chat.pk)
    missing = _routes(MISSING, alice, bob, invite.pk, chat.pk)
    for (method, path, body), (_, gone, _) in zip(hidden, missing, strict=True):
        theirs, none = _call(script, method, path, body), _call(script, method, gone, body)
        assert theirs.status_code == none.status_code == 404, (method, path)
        assert theirs.json() == none.json(), (method, path)

    listed = script.get("/api/v1/rooms", {"q": "Board"}).json()["rooms"]
    assert listed == [] and script.get("/api/v1/rooms/mine").json()["rooms"] == []
    assert Room.objects.get(pk=private_room.pk).title == "Board"
    assert RoomMember.objects.filter(room=private_room).count() == 2


def test_a_private_room_takes_no_address_anyone_else_picks(private_room, carol):
    script = token_client(carol)

    created = script.post("/api/v1/rooms", {"title": "Board"}, content_type="application/json")
    other = script.post("/api/v1/rooms", {"title": "Other"}, content_type="application/json")
    own = other.json()["id"]
    hidden_slug = script.patch(
        f"/api/v1/rooms/{own}", {"slug": private_room.slug}, content_type="application/json"
    )
    public_slug = script.patch(
        f"/api/v1/rooms/{own}", {"slug": "board"}, content_type="application/json"
    )

    assert private_room.slug.startswith("board-")
    assert created.json()["slug"] == "board"  # as if the private room were not there
    # Taken is taken, whoever holds the address: the same answer but for the slug it names.
    assert hidden_slug.status_code == public_slug.status_code == 409
    assert hidden_slug.json() == {
        "error": {
            "code": "conflict",
            "message": f"The address “{private_room.slug}” is taken.",
            "field": "slug",
        }
    }
    assert public_slug.json()["error"]["message"] == "The address “board” is taken."


def test_a_private_rooms_address_changes_with_its_title(private_room, alice):
    script = token_client(alice)

    renamed = script.patch(
        f"/api/v1/rooms/{private_room.pk}", {"slug": "plans"}, content_type="application/json"
    ).json()
    by_id = script.get(f"/api/v1/rooms/{private_room.pk}").json()

    assert renamed["slug"].startswith("plans-") and renamed["slug"] != "plans"
    assert by_id == renamed


# --- Roles -------------------------------------------------------------------------------


@pytest.fixture
def staffed(room, alice, bob):
    """The room "Team" with alice its owner, dave an admin, erin an admin, bob a member."""
    dave, erin = person("dave"), person("erin")
    for admin in (dave, erin):
        rooms.do_join_room(admin, room)
        rooms.check_change_role(alice, room, admin.pk, "admin")
    return {"owner": alice, "admin": dave, "other_admin": erin, "member": bob}


def _write(room: Room, who: dict[str, Any], chat_id: int, target: str) -> dict[str, tuple]:
    pk = room.pk
    return {
        "edit": ("patch", f"/api/v1/rooms/{pk}", {"description": "new"}),
        "archive": ("post", f"/api/v1/rooms/{pk}/archive", None),
        "invite": ("post", f"/api/v1/rooms/{pk}/invites", {"username": "carol"}),
        "invites": ("get", f"/api/v1/rooms/{pk}/invites", None),
        "rename chat": ("patch", f"/api/v1/rooms/{pk}/chats/{chat_id}", {"title": "x"}),
        "new chat": ("post", f"/api/v1/rooms/{pk}/chats", {"title": "x"}),
        "role": ("patch", f"/api/v1/rooms/{pk}/members/{who[target].pk}", {"role": "admin"}),
        "remove": ("delete", f"/api/v1/rooms/{pk}/members/{who[target].pk}", None),
        "delete": ("delete", f"/api/v1/rooms/{pk}", None),
    }


# Who may do what, as the room pages enforce it; the target of role and remove is a member.
ALLOWED = {
    "member": {"new chat"},
    "admin": {"edit", "archive", "invite", "invites", "rename chat", "new chat", "remove"},
    "owner": {"edit", "archive", "invite", "invites", "rename chat", "new chat", "role", "remove"},
}


@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_each_role_may_do_what_the_pages_allow(staffed, room, chat, carol, role):
    target = "other_admin" if role == "member" else "member"
    script = token_client(staffed[role])

    for action, (method, path, body) in _write(room, staffed, chat.pk, target).items():
        if action == "delete":
            continue
        response = _call(script, method, path, body)
        expected = (200, 201, 204) if action in ALLOWED[role] else (403,)
        assert response.status_code in expected, (role, action, response.json())
        if response.status_code == 403:
            assert response.json()["error"]["code"] == "forbidden"
        if action == "archive" and response.status_code == 200:
            rooms.check_archive_room(staffed["owner"], room, False)  # open for the rest


@pytest.mark.usefixtures("_generous_limits")
def test_admins_cannot_remove_admins_or_the_owner_and_only_the_owner_deletes(staffed, room):
    admin, owner = token_client(staffed["admin"]), token_client(staffed["owner"])

    other_admin = admin.delete(f"/api/v1/rooms/{room.pk}/members/{staffed['other_admin'].pk}")
    the_owner = admin.delete(f"/api/v1/rooms/{room.pk}/members/{staffed['owner'].pk}")
    owner_leaves = owner.post(f"/api/v1/rooms/{room.pk}/leave")
    admin_deletes = admin.delete(f"/api/v1/rooms/{room.pk}")
    owner_deletes = owner.delete(f"/api/v1/rooms/{room.pk}")

    assert other_admin.status_code == the_owner.status_code == owner_leaves.status_code == 403
    assert admin_deletes.status_code == 403
    assert owner_deletes.status_code == 204 and not Room.objects.filter(pk=room.pk).exists()


# --- Members -----------------------------------------------------------------------------


@pytest.mark.usefixtures("_generous_limits")
def test_members_are_listed_and_their_roles_changed(room, chat, alice, bob, listener):
    listener.subscribe(bob)
    script = token_client(alice)

    listed = script.get(f"/api/v1/rooms/{room.pk}/members").json()
    stranger = script.patch(
        f"/api/v1/rooms/{room.pk}/members/{MISSING}",
        {"role": "admin"},
        content_type="application/json",
    )
    promoted = script.patch(
        f"/api/v1/rooms/{room.pk}/members/{bob.pk}",
        {"role": "admin"},
        content_type="application/json",
    )
    handed = script.patch(
        f"/api/v1/rooms/{room.pk}/members/{bob.pk}",
        {"role": "owner"},
        content_type="application/json",
    )
    mine = script.get(f"/api/v1/rooms/{room.pk}").json()
    listener.events_for(bob)
    removed = token_client(bob).delete(f"/api/v1/rooms/{room.pk}/members/{alice.pk}")

    assert [(m["user"], m["role"]) for m in listed["members"]] == [
        (summary(alice), "owner"),
        (summary(bob), "member"),
    ]
    assert not listed["has_more"] and listed["next"] is None
    assert promoted.status_code == 200
    assert (promoted.json()["user"], promoted.json()["role"]) == (summary(bob), "admin")
    assert handed.json()["role"] == "owner" and mine["role"] == "admin"
    assert removed.status_code == 204
    assert not RoomMember.objects.filter(room=room, user=alice).exists()
    assert stranger.status_code == 404


def test_a_removed_members_sockets_drop_the_rooms_chats(room, chat, alice, bob, listener):
    listener.subscribe(bob)

    removed = token_client(alice).delete(f"/api/v1/rooms/{room.pk}/members/{bob.pk}")

    assert removed.status_code == 204
    assert [(e["type"], e["change"], e["conversation"]) for e in listener.events_for(bob)] == [
        ("membership.changed", "left", chat.pk)
    ]


# --- Invitations -------------------------------------------------------------------------


def test_an_invitation_is_sent_listed_and_accepted(private_room, alice, carol, listener):
    listener.subscribe(carol)
    chat = private_room.chats.get()

    sent = token_client(alice).post(
        f"/api/v1/rooms/{private_room.pk}/invites",
        {"username": "@Carol"},
        content_type="application/json",
    )
    pending = token_client(alice).get(f"/api/v1/rooms/{private_room.pk}/invites").json()
    waiting = token_client(carol).get("/api/v1/rooms/invites").json()
    accepted = token_client(carol).post(f"/api/v1/rooms/invites/{sent.json()['id']}/accept")

    assert sent.status_code == 201
    assert sent.json() == {
        "id": sent.json()["id"],
        "room": {
            "id": private_room.pk,
            "slug": private_room.slug,
            "title": "Board",
            "archived": False,
        },
        "invitee": summary(carol),
        "invited_by": summary(alice),
        "created_at": sent.json()["created_at"],
    }
    assert pending == {"invites": [sent.json()], "has_more": False, "next": None}
    assert waiting == pending
    assert accepted.status_code == 200
    assert (accepted.json()["id"], accepted.json()["role"]) == (private_room.pk, "member")
    # Her other tabs hear of the invitation, then of joining, then that it is gone.
    events = [
        (e["type"], e.get("change"), e.get("conversation")) for e in listener.events_for(carol)
    ]
    assert events == [
        ("invite.received", None, None),
        ("membership.changed", "joined", chat.pk),
        ("invite.removed", None, None),
    ]
    assert not RoomInvite.objects.exists()


def test_invitations_declined_and_withdrawn(private_room, alice, bob, carol):
    dave = person("dave")
    to_carol = rooms.check_invite_to_room(alice, private_room, carol)
    to_dave = rooms.check_invite_to_room(alice, private_room, dave)

    declined = token_client(carol).post(f"/api/v1/rooms/invites/{to_carol.pk}/decline")
    not_theirs = token_client(carol).post(f"/api/v1/rooms/invites/{to_dave.pk}/accept")
    withdrawn = token_client(alice).delete(f"/api/v1/rooms/{private_room.pk}/invites/{to_dave.pk}")
    again = token_client(alice).delete(f"/api/v1/rooms/{private_room.pk}/invites/{to_dave.pk}")

    assert declined.status_code == withdrawn.status_code == 204
    assert not_theirs.status_code == again.status_code == 404
    assert not RoomInvite.objects.exists()


def test_inviting_a_member_or_nobody(private_room, alice, bob):
    script = token_client(alice)
    path = f"/api/v1/rooms/{private_room.pk}/invites"

    member = script.post(path, {"username": "bob"}, content_type="application/json")
    nobody = script.post(path, {"username": "nobody"}, content_type="application/json")

    assert member.status_code == 409
    assert member.json()["error"]["field"] == "username"
    assert nobody.status_code == 404
    assert nobody.json()["error"]["message"] == "That person was not found."


# --- Chats -------------------------------------------------------------------------------


def test_a_member_makes_a_chat_that_every_member_follows(room, chat, alice, bob, listener):
    listener.subscribe(alice, bob)

    made = token_client(bob).post(
        f"/api/v1/rooms/{room.pk}/chats",
        {"title": "  random ", "description": "Anything"},
        content_type="application/json",
    )
    listed = token_client(alice).get(f"/api/v1/rooms/{room.pk}/chats").json()

    new = made.json()["id"]
    assert made.status_code == 201
    assert made.json() == {
        "id": new,
        "room": room.pk,
        "title": "random",
        "description": "Anything",
        "default": False,
    }
    assert [c["id"] for c in listed["chats"]] == [chat.pk, new]
    for user in (alice, bob):
        [event] = listener.events_for(user)
        assert (event["type"], event["change"], event["conversation"]) == (
            "membership.changed",
            "joined",
            new,
        )
        assert event["summary"]["chat"] == "random"


def test_a_chat_of_another_room_is_not_found(room, alice):
    elsewhere = rooms.check_create_room(alice, title="Elsewhere").chats.get()

    renamed = token_client(alice).patch(
        f"/api/v1/rooms/{room.pk}/chats/{elsewhere.pk}",
        {"title": "x"},
        content_type="application/json",
    )

    assert renamed.status_code == 404
    assert renamed.json()["error"]["message"] == "That chat was not found."


# --- Groups ------------------------------------------------------------------------------


def test_a_script_starts_a_group_and_adds_people(alice, bob, carol, listener):
    dave = person("dave")
    for friend in (bob, carol, dave):
        befriend(alice, friend)
    listener.subscribe(bob, dave)
    script = token_client(alice)

    started = script.post(
        "/api/v1/groups",
        {"people": [bob.pk, carol.pk], "title": "Trip"},
        content_type="application/json",
    )
    group = started.json()["id"]
    started_for_bob = listener.events_for(bob)
    added = script.post(
        f"/api/v1/groups/{group}/people", {"people": [dave.pk]}, content_type="application/json"
    )

    assert started.status_code == 201
    assert (started.json()["kind"], started.json()["title"]) == ("group", "Trip")
    assert started.json()["people"] == [summary(bob), summary(carol)]
    assert [(e["change"], e["conversation"]) for e in started_for_bob] == [("joined", group)]
    assert added.status_code == 200
    assert added.json()["people"] == [summary(bob), summary(carol), summary(dave)]
    assert [(e["change"], e["conversation"]) for e in listener.events_for(dave)] == [
        ("joined", group)
    ]
    assert Conversation.objects.get(pk=group).participants.count() == 4


def test_group_refusals(alice, bob, carol):
    befriend(alice, bob)
    group_of_two = token_client(alice).post(
        "/api/v1/groups", {"people": [bob.pk]}, content_type="application/json"
    )
    strangers = token_client(alice).post(
        "/api/v1/groups", {"people": [bob.pk, carol.pk]}, content_type="application/json"
    )
    outsider = token_client(carol).post(
        f"/api/v1/groups/{MISSING}/people", {"people": [bob.pk]}, content_type="application/json"
    )

    assert group_of_two.status_code == 400
    assert group_of_two.json()["error"]["field"] == "people"
    assert strangers.status_code == 403
    assert outsider.status_code == 404


def test_a_direct_conversation_is_found_once_it_has_begun(alice, bob, carol):
    befriend(alice, bob)
    script = token_client(alice)
    before = script.get(f"/api/v1/direct/{bob.pk}")
    check_send_message(alice, to_user_id=bob.pk, client_id="c1", body="hi")

    found = script.get(f"/api/v1/direct/{bob.pk}")
    theirs = token_client(carol).get(f"/api/v1/direct/{bob.pk}")
    nobody = script.get(f"/api/v1/direct/{MISSING}")

    assert before.status_code == theirs.status_code == nobody.status_code == 404
    assert before.json() == theirs.json() == nobody.json()
    assert found.status_code == 200
    assert (found.json()["kind"], found.json()["people"]) == ("direct", [summary(bob)])
    assert found.json()["preview"]["text"] == "hi"


# --- Input and tokens --------------------------------------------------------------------


@pytest.mark.usefixtures("_generous_limits")
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/rooms", {}, "title"),
        ("post", "/api/v1/rooms", {"title": "   "}, "title"),
        ("post", "/api/v1/rooms", {"title": "t" * 81}, "title"),
        ("post", "/api/v1/rooms", {"title": "x", "private": "yes"}, "private"),
        ("post", "/api/v1/rooms", {"title": "x", "public": True}, "public"),
        ("post", "/api/v1/rooms", {"title": "x", "description": "d" * 1001}, "description"),
        ("patch", "/api/v1/rooms/{room}", {"slug": "no spaces"}, "slug"),
        ("patch", "/api/v1/rooms/{room}", {"title": 7}, "title"),
        ("patch", "/api/v1/rooms/{room}/members/{bob}", {"role": "boss"}, "role"),
        ("post", "/api/v1/rooms/{room}/invites", {}, "username"),
        ("post", "/api/v1/rooms/{room}/chats", {"title": ""}, "title"),
        ("patch", "/api/v1/rooms/{room}/chats/{chat}", {"title": ""}, "title"),
        ("post", "/api/v1/groups", {"people": ["2", "3"]}, "people.0"),
        ("post", "/api/v1/groups", {"people": [2, 3], "title": "t" * 81}, "title"),
        ("get", "/api/v1/rooms?limit=0", None, "limit"),
        ("get", "/api/v1/rooms?after=x", None, "after"),
        ("get", "/api/v1/rooms/{room}/members?limit=x", None, "limit"),
        ("get", "/api/v1/rooms/{room}/members?after=bob", None, "after"),
        ("get", "/api/v1/rooms/mine?limit=101", None, "limit"),
        ("get", "/api/v1/rooms/invites?after=", None, "after"),
        ("get", "/api/v1/rooms/{room}/invites?after=1", None, "after"),
    ],
)
def test_bad_input_is_400_naming_the_field(room, chat, alice, bob, method, path, body, field):
    befriend(alice, bob)
    path = path.format(room=room.pk, bob=bob.pk, chat=chat.pk)

    response = _call(token_client(alice), method, path, body)

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["field"] == field


def test_a_read_only_token_reads_but_writes_nothing(room, chat, alice, bob):
    invite = rooms.check_invite_to_room(alice, room, person("dave"))
    reader = token_client(alice, scope="read")
    writes = [
        ("post", "/api/v1/rooms", {"title": "x"}),
        ("post", "/api/v1/rooms/invites/1/accept", None),
        ("post", "/api/v1/rooms/invites/1/decline", None),
        ("post", "/api/v1/groups", {"people": [bob.pk, 3]}),
        ("post", f"/api/v1/groups/{chat.pk}/people", {"people": [bob.pk]}),
    ] + [route for route in _routes(room.pk, alice, bob, invite.pk, chat.pk) if route[0] != "get"]

    for method, path, body in writes:
        response = _call(reader, method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "This token may only read.",
        }
    assert reader.get(f"/api/v1/rooms/{room.pk}").status_code == 200
    assert Room.objects.get().title == "Team" and RoomInvite.objects.count() == 1


def test_room_changes_spend_the_pages_rate_limit(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room": (0.001, 2)}
    script = token_client(alice)

    answers = [
        script.post("/api/v1/rooms", {"title": f"r{n}"}, content_type="application/json")
        for n in range(3)
    ]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert Room.objects.count() == 2
