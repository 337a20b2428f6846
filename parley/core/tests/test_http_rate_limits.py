"""Per-user rate limits on HTTP actions (settings.RATE_LIMITS): over a limit, 429 with
Retry-After (JSON under /api/, the error page for browsers), and the request changes
nothing."""

from typing import Any

import pytest
from django.test import Client

from parley.accounts.actions.friends import check_accept_friend_request, check_send_friend_request
from parley.accounts.models import Block, FriendRequest, Friendship, User
from parley.accounts.tests.factories import UserFactory
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room, check_invite_to_room, check_join_room
from parley.messaging.models import Conversation, Room, RoomInvite, RoomMember

pytestmark = pytest.mark.django_db


def state() -> list[Any]:
    """Everything these requests could change."""
    models = (Room, RoomMember, RoomInvite, Conversation, FriendRequest, Friendship, Block)
    return [sorted(map(str, model.objects.values())) for model in models]


@pytest.fixture
def world(alice, bob, carol) -> dict[str, Any]:
    team = check_create_room(alice, title="Team")
    check_join_room(bob, team)
    hidden = check_create_room(alice, title="Hidden", is_public=False)
    invite = check_invite_to_room(alice, hidden, carol)
    chat = team.chats.get()
    check_send_friend_request(alice, bob)
    check_send_friend_request(bob, alice)  # friends
    check_send_friend_request(alice, carol)
    request = FriendRequest.objects.get()
    return {"team": team, "chat": chat, "invite": invite, "request": request}


CASES = [
    ("room", "alice", "/rooms/new/", {"title": "Another", "visibility": "public"}),
    ("room", "carol", "/rooms/team/join/", {}),
    ("room", "bob", "/rooms/team/leave/", {}),
    (
        "room",
        "alice",
        "/rooms/team/settings/",
        {"title": "T2", "slug": "t2", "visibility": "public"},
    ),
    ("room", "bob", "/rooms/team/chats/new/", {"title": "topic"}),
    ("room", "alice", "/rooms/team/settings/chats/{chat}/", {"chat-{chat}-title": "renamed"}),
    ("room", "alice", "/rooms/team/settings/members/{bob}/role/", {"member-{bob}-role": "admin"}),
    ("room", "alice", "/rooms/team/settings/members/{bob}/remove/", {}),
    ("room", "alice", "/rooms/team/settings/archive/", {"archived": "true"}),
    ("room", "alice", "/rooms/team/delete/", {"confirm": "Team"}),
    ("invite", "alice", "/rooms/team/settings/invite/", {"username": "carol"}),
    ("invite", "alice", "/rooms/hidden/settings/invites/{invite}/cancel/", {}),
    ("invite", "carol", "/rooms/invites/{invite}/accept/", {}),
    ("invite", "carol", "/rooms/invites/{invite}/decline/", {}),
    ("friend", "bob", "/people/carol/befriend/", {}),
    ("friend", "alice", "/people/carol/block/", {}),
    ("friend", "alice", "/people/carol/unblock/", {}),
    ("friend", "alice", "/people/bob/unfriend/", {}),
    ("friend", "carol", "/friends/requests/{request}/accept/", {}),
    ("friend", "carol", "/friends/requests/{request}/decline/", {}),
    ("friend", "alice", "/friends/requests/{request}/cancel/", {}),
]


# A request of each class that takes a token and finds nothing.
SPEND = {
    "room": "/rooms/nosuch/join/",
    "invite": "/rooms/invites/999999/decline/",
    "friend": "/people/nobody/block/",
}


def _fill(text: str, ids: dict[str, int]) -> str:
    return text.format(**ids)


@pytest.mark.parametrize(("action", "who", "path", "form"), CASES)
def test_an_action_over_its_limit_is_429_and_changes_nothing(
    settings, world, alice, bob, carol, action, who, path, form
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action: (0.001, 1)}  # one, then wait
    ids = {key: world[key].pk for key in ("chat", "invite", "request")} | {"bob": bob.pk}
    client = client_for({"alice": alice, "bob": bob, "carol": carol}[who])
    path, form = _fill(path, ids), {_fill(k, ids): v for k, v in form.items()}
    assert client.post(SPEND[action]).status_code == 404  # takes the one token
    before = state()

    response = client.post(path, form)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 1000
    assert "too quickly" in response.content.decode()
    assert state() == before


def test_the_limit_is_per_user(settings, world, alice, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room": (0.001, 1)}
    assert (
        client_for(alice).post("/rooms/new/", {"title": "A", "visibility": "public"}).status_code
        == 302
    )
    assert (
        client_for(bob).post("/rooms/new/", {"title": "B", "visibility": "public"}).status_code
        == 302
    )
    assert (
        client_for(alice).post("/rooms/new/", {"title": "C", "visibility": "public"}).status_code
        == 429
    )
    assert sorted(Room.objects.values_list("title", flat=True)) == ["A", "B", "Hidden", "Team"]


@pytest.mark.parametrize(
    ("action", "path", "query"),
    [
        ("history", "/api/v1/conversations/{chat}/messages", {}),
        ("search", "/api/v1/search", {"q": "hello"}),
        ("autocomplete", "/api/v1/conversations/{chat}/members", {"q": "a"}),
    ],
)
def test_reads_over_their_limit_are_429_json(settings, world, bob, action, path, query):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action: (0.5, 2)}
    client = client_for(bob)
    path = path.format(chat=world["chat"].pk)
    assert [client.get(path, query).status_code for _ in range(2)] == [200, 200]

    response = client.get(path, query)

    assert response.status_code == 429
    assert response["Retry-After"] == "2"  # one token at 0.5 a second
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["retry_after"] > 0


def test_search_page_and_preview_over_their_limits(settings, world, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (0.01, 1), "preview": (0.01, 1)}
    client = client_for(bob)
    assert client.get("/search/", {"q": "x"}).status_code == 200
    page = client.get("/search/", {"q": "x"})
    assert page.status_code == 429
    assert page["Retry-After"] == "100"
    assert "Too many searches" in page.content.decode()

    def preview() -> Any:
        return client.post(
            "/api/v1/messages/preview", {"body": "hi"}, content_type="application/json"
        )

    assert preview().status_code == 200
    refused = preview()
    assert refused.status_code == 429
    assert refused["Retry-After"] == "100"


def test_a_group_conversation_counts_as_a_room_change(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "room": (0.001, 1)}
    friends: list[User] = [UserFactory.create() for _ in range(3)]
    for friend in friends:
        check_send_friend_request(alice, friend)
        check_accept_friend_request(friend, FriendRequest.objects.get(to_user=friend).pk)
    client: Client = client_for(alice)
    form = {"people": [f.pk for f in friends], "title": "g"}
    assert client.post("/groups/new/", form).status_code == 302
    groups = Conversation.objects.filter(kind=Conversation.Kind.GROUP).count()
    assert client.post("/groups/new/", form).status_code == 429
    assert Conversation.objects.filter(kind=Conversation.Kind.GROUP).count() == groups


def test_profile_changes_over_their_limit_are_429(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "profile": (0.001, 1)}
    client = client_for(alice)
    assert client.post("/settings/profile/", {"display_name": "First"}).status_code == 302

    response = client.post("/settings/profile/", {"display_name": "Second"})

    assert response.status_code == 429
    assert User.objects.get(pk=alice.pk).display_name == "First"
    assert client.get("/settings/profile/").status_code == 200  # showing the form is free


def test_sign_ups_and_reset_emails_are_limited_per_address(settings, mailoutbox, alice):
    """Anonymous requests spend their address's tokens: a sign-up and a reset email, then
    429 for both from that address; another address is not affected."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "account": (0.001, 2)}

    def post(address: str, path: str, form: dict[str, str]) -> Any:
        return Client(REMOTE_ADDR=address).post(path, form)  # a fresh, signed-out browser

    password = "correct-Horse-battery-9"
    form = {"email": "n@example.org", "password1": password, "password2": password}
    reset = {"email": alice.email}
    assert post("203.0.113.7", "/signup/", {**form, "username": "newbie"}).status_code == 302
    assert post("203.0.113.7", "/password-reset/", reset).status_code == 302
    assert len(mailoutbox) == 1

    refused = post("203.0.113.7", "/password-reset/", reset)
    assert refused.status_code == 429
    assert "Retry-After" in refused
    again = {**form, "username": "again", "email": "a@example.org"}
    assert post("203.0.113.7", "/signup/", again).status_code == 429
    assert len(mailoutbox) == 1
    assert not User.objects.filter(username="again").exists()
    assert post("203.0.113.8", "/password-reset/", reset).status_code == 302
