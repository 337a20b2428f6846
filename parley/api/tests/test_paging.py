"""Keyset paging of the API's lists, as a script walks them: every item once and in the
pages' order however small the pages, `limit` kept, a cursor another list gave (or none
at all) refused naming "after", and rows changing behind the cursor shifting no page."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from parley.accounts.actions.bots import check_create_bot, check_create_bot_token
from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.tests.factories import UserFactory
from parley.api.tests.test_conversations import token_client
from parley.messaging.actions import rooms
from parley.messaging.models import Room

API = "/api/v1"
# Rows made within one frozen instant: their dates tie and only the ids order them.
NOW = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)


def person(username: str) -> Any:
    return UserFactory(username=username)


def walk(client: Client, path: str, key: str, limit: int, **query: Any) -> list[Any]:
    """Every item of a list, page by page `after` each page's `next`."""
    items: list[Any] = []
    after: str | None = None
    while True:
        asked = {**query, "limit": limit, **({"after": after} if after is not None else {})}
        response = client.get(path, asked)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page[key]) <= limit
        assert page["has_more"] == (page["next"] is not None)
        items += page[key]
        if not page["has_more"]:
            return items
        assert len(page[key]) == limit
        after = page["next"]


def whole(client: Client, path: str, key: str, **query: Any) -> list[Any]:
    """The list in one page (it is smaller than the largest page)."""
    page = client.get(path, {**query, "limit": 100}).json()
    assert not page["has_more"]
    return list(page[key])


@pytest.fixture
def rooms_to_browse(alice):
    """Public rooms with tied titles, some archived, and a private one."""
    made = [rooms.check_create_room(alice, title=title) for title in "BACABCAB"]
    for room in made[::3]:
        rooms.check_archive_room(alice, room)
    rooms.check_create_room(alice, title="A", is_public=False)
    return made


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_browsing_walks_every_public_room_once_in_the_pages_order(
    rooms_to_browse, alice, bob, limit
):
    expected = sorted(
        Room.objects.filter(is_public=True),
        key=lambda r: (r.is_archived, r.title, r.pk),
    )

    walked = walk(token_client(bob), f"{API}/rooms", "rooms", limit)

    assert [r["id"] for r in walked] == [r.pk for r in expected]
    assert [r["id"] for r in walked] == [
        r["id"] for r in whole(token_client(bob), f"{API}/rooms", "rooms")
    ]
    assert walk(token_client(bob), f"{API}/rooms", "rooms", limit, q="b") == [
        r for r in walked if r["title"] == "B"
    ]


def test_my_rooms_walk_by_title_then_id(rooms_to_browse, alice):
    walked = walk(token_client(alice), f"{API}/rooms/mine", "rooms", 2)

    assert [(r["title"], r["id"]) for r in walked] == sorted(
        (r.title, r.pk) for r in Room.objects.all()
    )
    assert len(walked) == 9


def test_members_walk_owner_admins_then_usernames(room, alice, bob):
    people = [person(name) for name in ("zed", "amy", "kim", "dan", "eve")]
    for someone in people:
        rooms.do_join_room(someone, room)
    for admin in (people[0], people[2]):
        rooms.check_change_role(alice, room, admin.pk, "admin")

    walked = walk(token_client(bob), f"{API}/rooms/{room.pk}/members", "members", 2)

    assert [(m["user"]["username"], m["role"]) for m in walked] == [
        ("alice", "owner"),
        ("kim", "admin"),
        ("zed", "admin"),
        ("amy", "member"),
        ("bob", "member"),
        ("dan", "member"),
        ("eve", "member"),
    ]


def test_invitations_walk_newest_first_and_survive_their_cursors_going(room, alice, time_machine):
    invitees = [person(f"guest{n}") for n in range(5)]
    time_machine.move_to(NOW, tick=False)
    sent = [rooms.check_invite_to_room(alice, room, invitee) for invitee in invitees]
    script = token_client(alice)

    walked = walk(script, f"{API}/rooms/{room.pk}/invites", "invites", 2)
    first = script.get(f"{API}/rooms/{room.pk}/invites", {"limit": 2}).json()
    rooms.check_cancel_invite(alice, room, first["invites"][-1]["id"])
    rest = script.get(f"{API}/rooms/{room.pk}/invites", {"after": first["next"]}).json()

    assert [i["id"] for i in walked] == [i.pk for i in reversed(sent)]  # same time: by id
    assert [i["id"] for i in rest["invites"]] == [i.pk for i in reversed(sent[:3])]
    theirs = walk(token_client(invitees[0]), f"{API}/rooms/invites", "invites", 1)
    assert [i["id"] for i in theirs] == [sent[0].pk]


def test_people_walk_by_username(alice):
    names = sorted(f"user{n:02}" for n in range(7))
    for name in reversed(names):
        person(name)

    walked = walk(token_client(alice), f"{API}/users", "people", 3, q="user")

    assert [p["username"] for p in walked] == names


def test_tokens_walk_newest_first_then_by_id(alice, time_machine):
    time_machine.move_to(NOW - timedelta(days=1), tick=False)
    for n in range(6):
        if n == 2:
            time_machine.move_to(NOW, tick=False)
        check_create_api_token(alice, name=f"t{n}", scope="read", expires_in_days=None)

    walked = walk(token_client(alice), f"{API}/tokens", "tokens", 2)

    # The script's own token is made last, at NOW; tied dates go by id, newest first.
    assert [t["name"] for t in walked] == ["script", "t5", "t4", "t3", "t2", "t1", "t0"]


def test_bots_and_their_tokens_walk(alice, time_machine):
    bots = [check_create_bot(alice, username=f"b{n}-bot", display_name="") for n in (3, 1, 2, 0)]
    time_machine.move_to(NOW, tick=False)
    for n in range(3):
        check_create_bot_token(alice, bots[0].pk, name=f"t{n}", scope="read", expires_in_days=None)
    script = token_client(alice)

    walked = walk(script, f"{API}/bots", "bots", 3)
    theirs = walk(script, f"{API}/bots/{bots[0].pk}/tokens", "tokens", 2)

    assert [b["user"]["username"] for b in walked] == ["b0-bot", "b1-bot", "b2-bot", "b3-bot"]
    assert [t["name"] for t in theirs] == ["t2", "t1", "t0"]


def test_limits_default_to_50_and_stop_at_100(alice):
    for n in range(101):
        person(f"p{n:03}")
    script = token_client(alice)

    default = script.get(f"{API}/users").json()
    largest = script.get(f"{API}/users", {"limit": 100}).json()
    too_many = script.get(f"{API}/users", {"limit": 101})

    assert len(default["people"]) == 50 and default["next"] == "p049"
    assert len(largest["people"]) == 100 and largest["has_more"]
    assert too_many.status_code == 400
    assert too_many.json()["error"]["field"] == "limit"


@pytest.mark.parametrize("limit", ["0", "101", "-1", "x", "1.5"])
@pytest.mark.parametrize(
    "path", ["/rooms", "/rooms/mine", "/rooms/invites", "/users", "/tokens", "/bots"]
)
def test_a_bad_limit_is_400_naming_it(alice, path, limit):
    response = token_client(alice).get(f"{API}{path}", {"limit": limit})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["field"] == "limit"


def test_a_cursor_this_list_did_not_give_is_400_naming_after(rooms_to_browse, room, alice):
    script = token_client(alice)
    browsing = script.get(f"{API}/rooms", {"limit": 1}).json()["next"]
    mine = script.get(f"{API}/rooms/mine", {"limit": 1}).json()["next"]
    members = f"{API}/rooms/{room.pk}/members"
    tampered = browsing[:-1] + ("A" if browsing[-1] != "A" else "B")

    answers = [
        script.get(f"{API}/rooms/mine", {"after": browsing}),  # another list's
        script.get(f"{API}/rooms", {"after": mine}),
        script.get(members, {"after": mine}),
        script.get(f"{API}/rooms", {"after": tampered}),
        script.get(f"{API}/rooms", {"after": '[false, "A", 1]'}),
        script.get(f"{API}/tokens", {"after": "7"}),
        script.get(f"{API}/rooms", {"after": "x" * 2001}),
    ]

    for answer in answers:
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["code"] == "invalid"
        assert answer.json()["error"]["field"] == "after"
    assert script.get(f"{API}/rooms", {"after": browsing}).status_code == 200


def test_the_longest_titles_make_cursors_the_list_takes_back(alice, bob):
    for mark in "ab":
        rooms.check_create_room(alice, title=mark + "\U0001f600" * 79)

    walked = walk(token_client(bob), f"{API}/rooms", "rooms", 1)

    assert [r["title"][0] for r in walked] == ["a", "b"]


def test_rows_added_behind_the_cursor_shift_no_page(alice, bob):
    for title in ("b", "d", "f"):
        rooms.check_create_room(alice, title=title)
    script = token_client(bob)

    first = script.get(f"{API}/rooms", {"limit": 2}).json()
    rooms.check_create_room(alice, title="a")  # before the cursor: not on later pages
    rooms.check_create_room(alice, title="e")  # after it: on the next page
    rest = script.get(f"{API}/rooms", {"after": first["next"]}).json()

    assert [r["title"] for r in first["rooms"]] == ["b", "d"]
    assert [r["title"] for r in rest["rooms"]] == ["e", "f"]
