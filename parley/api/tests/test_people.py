"""People, profiles, friends, blocks and presence over the API with a token: the answers
the pages give, the events both people's sockets hear, and blocks hiding what they hide
on the pages."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from parley.accounts.actions.friends import check_block_user, check_send_friend_request
from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.models import FriendRequest
from parley.accounts.tests.factories import UserFactory
from parley.api.tests.test_conversations import token_client
from parley.core.testing.clients import client_for
from parley.core.testing.sockets import Socket, open_socket
from parley.messaging.actions.rooms import check_join_room
from parley.realtime.tests import liveness_helpers

pytestmark = pytest.mark.django_db

_liveness = liveness_helpers.liveness  # autouse: presence starts empty

API = "/api/v1"
JSON = "application/json"


def post(client, path, body=None):
    return client.post(f"{API}{path}", json.dumps(body or {}), content_type=JSON)


def summary(user):
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "avatar": None,
        "bot": False,
    }


def incoming_id(user):
    return FriendRequest.objects.get(to_user=user).pk


# --- people and profiles ----------------------------------------------------------------


def test_people_search_is_the_people_pages_search_by_cursor(alice, bob, carol):
    for n in range(22):
        UserFactory.create(username=f"bobby{n:02}")
    script = token_client(alice)

    first = script.get(f"{API}/users", {"q": "BOB", "limit": "20"}).json()
    second = script.get(f"{API}/users", {"q": "bob", "after": first["next"]}).json()
    everyone = script.get(f"{API}/users").json()

    assert first["has_more"] and first["next"] == "bobby18"
    assert [p["username"] for p in first["people"]][:2] == ["bob", "bobby00"]
    assert first["people"][0] == summary(bob)
    assert len(first["people"]) == 20
    assert [p["username"] for p in second["people"]] == ["bobby19", "bobby20", "bobby21"]
    assert second == {**second, "has_more": False, "next": None}
    assert "alice" not in [p["username"] for p in everyone["people"]]
    page = client_for(alice).get(reverse("people"), {"q": "bob", "page": "2"})
    assert [u.username for u in page.context["page"].object_list] == [
        p["username"] for p in second["people"]
    ]


def test_a_profile_says_how_the_person_stands_to_you(alice, bob):
    script = token_client(alice)

    def standing():
        return script.get(f"{API}/users/BOB").json()["relationship"]

    profile = script.get(f"{API}/users/bob").json()
    assert profile == {
        **summary(bob),
        "display_name": "Bob Marley",
        "bio": "",
        "photo": None,
        "relationship": "none",
        "can_message": False,  # neither friends nor in a room together
    }
    check_send_friend_request(alice, bob)
    assert standing() == "request_sent"
    assert token_client(bob).get(f"{API}/users/alice").json()["relationship"] == (
        "request_received"
    )
    check_send_friend_request(bob, alice)
    assert standing() == "friends"
    assert script.get(f"{API}/users/bob").json()["can_message"] is True
    assert script.get(f"{API}/users/alice").json()["relationship"] == "self"


def test_someone_who_blocked_you_shows_their_profile_as_the_page_does(alice, bob, room):
    check_block_user(bob, alice)

    theirs = token_client(alice).get(f"{API}/users/bob")
    mine = token_client(bob).get(f"{API}/users/alice").json()

    page = client_for(alice).get(reverse("profile", args=["bob"]))
    assert theirs.status_code == page.status_code == 200
    assert "Add friend" not in page.content.decode()
    assert theirs.json()["relationship"] == "blocked_by"
    assert theirs.json()["can_message"] is False  # though they share a room
    assert mine["relationship"] == "blocked" and mine["can_message"] is False
    # Search hides nobody, on the page and here.
    found = token_client(alice).get(f"{API}/users", {"q": "bob"}).json()["people"]
    listed = client_for(alice).get(reverse("people"), {"q": "bob"}).context["page"]
    assert [p["username"] for p in found] == [u.username for u in listed] == ["bob"]


def test_the_invite_search_offers_only_whom_the_inviter_may_invite(alice, bob, carol):
    from parley.messaging.actions.rooms import check_create_room, check_invite_to_room

    room = check_create_room(alice, title="Secret", is_public=False)
    brenda, _bert, bill, boris = (
        UserFactory.create(username=name) for name in ("brenda", "bert", "bill", "boris")
    )
    check_invite_to_room(alice, room, bob)
    check_join_room(bob, room)
    check_invite_to_room(alice, room, brenda)
    check_block_user(alice, bill)
    check_block_user(boris, alice)
    script = token_client(alice)

    found = script.get(f"{API}/users", {"q": "b", "invitable_to": str(room.pk)}).json()
    everyone = script.get(f"{API}/users", {"q": "b"}).json()
    # Bob is a member, Brenda invited, Bill blocked by Alice, Boris blocking her.
    assert [p["username"] for p in found["people"]] == ["bert"]
    assert [p["username"] for p in everyone["people"]] == ["bert", "bill", "bob", "boris", "brenda"]
    # A member who may not invite is refused; someone outside a private room learns
    # nothing of it (as for a room that does not exist).
    assert (
        token_client(bob).get(f"{API}/users", {"q": "b", "invitable_to": str(room.pk)}).status_code
        == 403
    )
    hidden = token_client(carol).get(f"{API}/users", {"invitable_to": str(room.pk)})
    missing = token_client(carol).get(f"{API}/users", {"invitable_to": "999999"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_friends_search_offers_friends_only(alice, bob, carol):
    check_send_friend_request(alice, bob)
    check_send_friend_request(bob, alice)  # accepts
    found = token_client(alice).get(f"{API}/users", {"friends": "true"}).json()
    assert [p["username"] for p in found["people"]] == ["bob"]
    assert (
        token_client(alice).get(f"{API}/users", {"friends": "true", "q": "c"}).json()["people"]
        == []
    )


def test_unknown_and_deactivated_people_are_alike_not_found(alice, bob):
    bob.is_active = False
    bob.save()
    script = token_client(alice)

    gone = script.get(f"{API}/users/bob")
    unknown = script.get(f"{API}/users/nobody")
    too_long = script.get(f"{API}/users/{'x' * 33}")

    assert gone.status_code == unknown.status_code == too_long.status_code == 404
    assert gone.json() == unknown.json() == too_long.json()


def test_edit_your_name_and_bio(alice, bob):
    script = token_client(alice)

    changed = script.patch(
        f"{API}/users/me",
        json.dumps({"display_name": "  Al  ", "bio": "Down the hole"}),
        content_type=JSON,
    )
    only_bio = script.patch(f"{API}/users/me", json.dumps({"bio": "Back"}), content_type=JSON)
    cleared = script.patch(f"{API}/users/me", json.dumps({"display_name": ""}), content_type=JSON)

    assert changed.status_code == 200
    assert changed.json() == {
        **summary(alice),
        "name": "Al",
        "display_name": "Al",
        "bio": "Down the hole",
        "photo": None,
        "relationship": "self",
        "can_message": False,
    }
    assert only_bio.json()["display_name"] == "Al" and only_bio.json()["bio"] == "Back"
    assert cleared.json()["name"] == "alice" and cleared.json()["bio"] == "Back"
    assert token_client(bob).get(f"{API}/users/alice").json()["bio"] == "Back"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "x" * 65}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
        ({"bio": 5}, "bio"),
        ({"avatar": "data:"}, "avatar"),
    ],
)
def test_bad_profile_input_names_the_field(alice, body, field):
    response = token_client(alice).patch(f"{API}/users/me", json.dumps(body), content_type=JSON)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


# --- friends ----------------------------------------------------------------------------


def async_token_client(user) -> AsyncClient:
    _, token = check_create_api_token(user, name="script", scope="write", expires_in_days=None)
    # As an ASGI header name: AsyncClient(headers=…) would send it as "http-authorization".
    return AsyncClient(AUTHORIZATION=f"Bearer {token}")


async def apost(client: AsyncClient, path: str, body: dict | None = None):
    return await client.post(f"{API}{path}", json.dumps(body or {}), content_type=JSON)


async def sockets(*users) -> list[Socket]:
    return [(await open_socket(user))[0] for user in users]


async def close_all(*tabs: Socket) -> None:
    for tab in tabs:
        await tab.close()


@pytest.mark.django_db(transaction=True)
async def test_request_accept_and_remove_tell_both_sockets_as_the_pages_do(alice, bob):
    alice_api = await database_sync_to_async(async_token_client)(alice)
    bob_api = await database_sync_to_async(async_token_client)(bob)
    alice_tab, bob_tab = await sockets(alice, bob)

    sent = await apost(alice_api, "/friend-requests", {"username": "Bob"})

    assert sent.json() == {"user": summary(bob), "relationship": "request_sent"}
    heard = [await alice_tab.receive(), await bob_tab.receive()]
    waiting = (await bob_api.get(f"{API}/friend-requests/incoming")).json()
    mine = (await alice_api.get(f"{API}/friend-requests/outgoing")).json()
    request = {"id": waiting["requests"][0]["id"], "from": summary(alice), "to": summary(bob)}
    assert heard == [{"type": "friend.request_received", "request": request}] * 2
    assert waiting == mine == {"requests": [request], "has_more": False, "next": None}

    accepted = await apost(bob_api, f"/friend-requests/{request['id']}/accept")

    assert accepted.json() == {"user": summary(alice), "relationship": "friends"}
    assert await alice_tab.receive() == {"type": "friend.added", "user": summary(bob)}
    assert await bob_tab.receive() == {"type": "friend.added", "user": summary(alice)}
    friends = (await alice_api.get(f"{API}/friends")).json()
    assert friends == {"friends": [summary(bob)], "has_more": False, "next": None}

    removed = await alice_api.delete(f"{API}/friends/bob")

    assert removed.json() == {"user": summary(bob), "relationship": "none"}
    assert await alice_tab.receive() == {"type": "friend.removed", "user": summary(bob)}
    assert await bob_tab.receive() == {"type": "friend.removed", "user": summary(alice)}
    assert (await bob_api.get(f"{API}/friends")).json()["friends"] == []
    await close_all(alice_tab, bob_tab)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("answer", ["decline", "cancel"])
async def test_decline_and_cancel_tell_both_sockets(alice, bob, answer):
    alice_api = await database_sync_to_async(async_token_client)(alice)
    bob_api = await database_sync_to_async(async_token_client)(bob)
    await database_sync_to_async(check_send_friend_request)(alice, bob)
    request_id = await database_sync_to_async(incoming_id)(bob)
    alice_tab, bob_tab = await sockets(alice, bob)

    by = bob_api if answer == "decline" else alice_api
    done = await apost(by, f"/friend-requests/{request_id}/{answer}")

    assert done.status_code == 204
    kind = {"decline": "friend.request_declined", "cancel": "friend.request_cancelled"}[answer]
    for tab in (alice_tab, bob_tab):
        assert (await tab.receive())["type"] == kind
    assert (await bob_api.get(f"{API}/friend-requests/incoming")).json()["requests"] == []
    await close_all(alice_tab, bob_tab)


def test_asking_someone_who_asked_you_makes_friends(alice, bob):
    check_send_friend_request(bob, alice)

    answer = post(token_client(alice), "/friend-requests", {"username": "bob"})

    assert answer.json() == {"user": summary(bob), "relationship": "friends"}


def test_friends_and_requests_are_paged_by_cursor(alice, bob, carol):
    dave = UserFactory.create(username="dave")
    for friend in (bob, carol, dave):
        check_send_friend_request(friend, alice)
    script = token_client(alice)

    first = script.get(f"{API}/friend-requests/incoming", {"limit": 2}).json()
    rest = script.get(
        f"{API}/friend-requests/incoming", {"after": first["requests"][-1]["id"]}
    ).json()
    assert [r["from"]["username"] for r in first["requests"]] == ["bob", "carol"]
    assert first["has_more"] and not rest["has_more"]
    assert first["next"] == str(first["requests"][-1]["id"])
    assert [r["from"]["username"] for r in rest["requests"]] == ["dave"]

    for friend in (bob, carol, dave):
        check_send_friend_request(alice, friend)
    page = script.get(f"{API}/friends", {"limit": 2}).json()
    after = script.get(f"{API}/friends", {"after": "carol", "limit": "2"}).json()
    assert [f["username"] for f in page["friends"]] == ["bob", "carol"] and page["has_more"]
    assert page["next"] == "carol"
    assert after == {"friends": [summary(dave)], "has_more": False, "next": None}


# --- blocks -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_block_ends_the_friendship_quietly_as_the_page_does(alice, bob, carol):
    await database_sync_to_async(check_send_friend_request)(alice, bob)
    await database_sync_to_async(check_send_friend_request)(bob, alice)
    await database_sync_to_async(check_send_friend_request)(carol, alice)
    alice_api = await database_sync_to_async(async_token_client)(alice)
    bob_api = await database_sync_to_async(async_token_client)(bob)
    alice_tab, bob_tab = await sockets(alice, bob)

    blocked = await apost(alice_api, "/blocks", {"username": "bob"})

    assert blocked.json() == {"user": summary(bob), "relationship": "blocked"}
    assert await bob_tab.receive() == {"type": "friend.removed", "user": summary(alice)}
    assert await alice_tab.receive() == {"type": "friend.removed", "user": summary(bob)}
    assert (await alice_api.get(f"{API}/blocks")).json() == {
        "blocked": [summary(bob)],
        "has_more": False,
        "next": None,
    }
    assert (await alice_api.get(f"{API}/friends")).json()["friends"] == []
    assert (await bob_api.get(f"{API}/friends")).json()["friends"] == []
    # Carol's request is untouched; bob may ask no more, with the page's answer.
    incoming = (await alice_api.get(f"{API}/friend-requests/incoming")).json()["requests"]
    assert [r["from"]["username"] for r in incoming] == ["carol"]
    refused = await apost(bob_api, "/friend-requests", {"username": "alice"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "You can't send Alice Liddell a friend request."

    unblocked = await alice_api.delete(f"{API}/blocks/bob")

    assert unblocked.json() == {"user": summary(bob), "relationship": "none"}
    assert (await alice_api.get(f"{API}/blocks")).json()["blocked"] == []
    again = await apost(bob_api, "/friend-requests", {"username": "alice"})
    assert again.json()["relationship"] == "request_sent"
    await close_all(alice_tab, bob_tab)


def test_a_request_ended_by_a_block_is_answered_as_one_that_never_was(alice, bob, carol):
    check_send_friend_request(alice, bob)
    request_id = incoming_id(bob)
    check_block_user(bob, alice)
    alice_script, carol_script = token_client(alice), token_client(carol)

    gone = post(alice_script, f"/friend-requests/{request_id}/cancel")
    never = post(alice_script, "/friend-requests/987654/cancel")
    not_theirs = post(carol_script, f"/friend-requests/{request_id}/accept")
    missing = post(carol_script, "/friend-requests/987654/accept")

    assert gone.status_code == never.status_code == 404
    assert gone.json() == never.json() == not_theirs.json() == missing.json()
    page = client_for(alice).post(reverse("cancel_request", args=[request_id]))
    assert page.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/friend-requests"),
        ("post", "/blocks"),
        ("delete", "/friends/ghost"),
        ("delete", "/blocks/ghost"),
    ],
)
def test_people_who_dont_exist_are_not_found(alice, method, path):
    script = token_client(alice)
    if method == "post":
        response = post(script, path, {"username": "ghost"})
    else:
        response = script.delete(f"{API}{path}")

    assert response.status_code == 404
    not_found = {"code": "not_found", "message": "That person was not found."}
    assert response.json()["error"] == not_found


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/friend-requests", {}, "username"),
        ("/friend-requests", {"username": 7}, "username"),
        ("/blocks", {"username": "x" * 33}, "username"),
        ("/blocks", {"username": "bob", "why": "spam"}, "why"),
    ],
)
def test_bad_input_names_the_field(alice, path, body, field):
    response = post(token_client(alice), path, body)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/users", {"q": "x" * 65}, "q"),
        ("/users", {"limit": "0"}, "limit"),
        ("/users", {"after": "x" * 33}, "after"),
        ("/friends", {"limit": "101"}, "limit"),
        ("/friend-requests/incoming", {"after": "+1"}, "after"),
    ],
)
def test_bad_queries_name_the_field(alice, path, query, field):
    response = token_client(alice).get(f"{API}{path}", query)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_yourself_is_refused_as_on_the_pages(alice):
    script = token_client(alice)

    befriend = post(script, "/friend-requests", {"username": "alice"})
    block = post(script, "/blocks", {"username": "alice"})

    assert befriend.status_code == block.status_code == 400
    assert befriend.json()["error"]["message"] == "You can't send a friend request to yourself."


def test_a_read_only_token_reads_but_may_not_write(alice, bob):
    check_send_friend_request(bob, alice)
    request_id = incoming_id(alice)
    reader = token_client(alice, scope="read")

    writes = [
        reader.patch(f"{API}/users/me", json.dumps({"bio": "x"}), content_type=JSON),
        post(reader, "/friend-requests", {"username": "bob"}),
        post(reader, f"/friend-requests/{request_id}/accept"),
        post(reader, f"/friend-requests/{request_id}/decline"),
        post(reader, f"/friend-requests/{request_id}/cancel"),
        reader.delete(f"{API}/friends/bob"),
        post(reader, "/blocks", {"username": "bob"}),
        reader.delete(f"{API}/blocks/bob"),
    ]
    reads = [
        reader.get(f"{API}/{path}")
        for path in ("users?q=b", "users/bob", "friends", "friend-requests/incoming", "blocks")
    ]

    assert [r.status_code for r in writes] == [403] * len(writes)
    assert {r.json()["error"]["code"] for r in writes} == {"forbidden"}
    assert [r.status_code for r in reads] == [200] * len(reads)
    assert FriendRequest.objects.filter(pk=request_id).exists()


def test_friend_changes_share_the_pages_rate_limit(settings, alice, bob, carol):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "friend": (0.001, 2)}
    script = token_client(alice)

    client_for(alice).post(reverse("befriend", args=["bob"]))  # the page takes one
    post(script, "/friend-requests", {"username": "carol"})
    refused = post(script, "/blocks", {"username": "bob"})

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"


# --- presence ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_presence_is_hellos_and_a_block_makes_both_offline_to_each_other(
    room, alice, bob, carol
):
    dave = await database_sync_to_async(UserFactory.create)(username="dave")
    await database_sync_to_async(check_send_friend_request)(alice, dave)
    await database_sync_to_async(check_send_friend_request)(dave, alice)
    alice_api = await database_sync_to_async(async_token_client)(alice)
    bob_api = await database_sync_to_async(async_token_client)(bob)
    bob_tab, carol_tab, dave_tab = await sockets(bob, carol, dave)  # carol: a stranger
    await bob_tab.send(type="presence", state="idle")
    await bob_tab.request(type="ping")

    seen = (await alice_api.get(f"{API}/presence")).json()
    alice_tab, *_ = await sockets(alice)

    assert seen == {"presence": {str(bob.pk): "away", str(dave.pk): "online"}}
    assert alice_tab.hello["presence"] == seen["presence"]

    await database_sync_to_async(check_block_user)(bob, alice)

    assert (await alice_api.get(f"{API}/presence")).json() == {"presence": {str(dave.pk): "online"}}
    assert str(alice.pk) not in (await bob_api.get(f"{API}/presence")).json()["presence"]
    await close_all(alice_tab, bob_tab, carol_tab, dave_tab)


def test_presence_without_sockets_is_everyone_offline(room, alice, bob):
    check_join_room(UserFactory.create(username="erin"), room)

    assert token_client(alice).get(f"{API}/presence").json() == {"presence": {}}
    assert client_for(alice).get(f"{API}/presence").json() == {"presence": {}}  # the page's
