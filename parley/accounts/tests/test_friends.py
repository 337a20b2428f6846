"""Friend requests, friendships and blocks through the pages: who may do
what, and what each side sees."""

import pytest
from django.urls import reverse

from parley.accounts.models import Block, FriendRequest, Friendship
from parley.accounts.selectors import friends_of
from parley.accounts.tests.factories import UserFactory
from parley.core.testing.clients import client_for

pytestmark = pytest.mark.django_db


def befriend(client, username):
    return client.post(reverse("befriend", args=[username]))


def incoming(user):
    return FriendRequest.objects.get(to_user=user)


def friend_names(user):
    return [u.username for u in friends_of(user)]


def page_text(client, name, *args):
    return client.get(reverse(name, args=args)).content.decode()


def test_request_then_accept_makes_friends_and_tells_both(
    alice, bob, alice_client, bob_client, listener
):
    listener.subscribe(alice, bob)

    response = befriend(alice_client, "bob")
    assert response.status_code == 302
    assert "Friend request sent to Bob Marley." in page_text(alice_client, "friends")
    assert listener.types_for(alice) == ["friend.request_received"]
    [event] = listener.events_for(bob)
    assert event["type"] == "friend.request_received"
    assert event["request"]["from"] == {
        "id": alice.pk,
        "username": "alice",
        "name": "Alice Liddell",
        "avatar": None,
        "bot": False,
    }

    friends_page = page_text(bob_client, "friends")
    assert 'aria-label="1 new request"' in friends_page
    assert "Accept request from Alice Liddell" in friends_page

    request_id = incoming(bob).pk
    assert bob_client.post(reverse("accept_request", args=[request_id])).status_code == 302

    assert friend_names(alice) == ["bob"] and friend_names(bob) == ["alice"]
    assert not FriendRequest.objects.exists()
    assert listener.events_for(alice) == [
        {
            "type": "friend.added",
            "user": {
                "id": bob.pk,
                "username": "bob",
                "name": "Bob Marley",
                "avatar": None,
                "bot": False,
            },
        }
    ]
    assert listener.types_for(bob) == ["friend.added"]
    assert "You and Alice Liddell are now friends." in page_text(bob_client, "friends")


def test_decline(alice, bob, alice_client, bob_client, listener):
    listener.subscribe(alice, bob)
    befriend(alice_client, "bob")
    listener.events_for(alice), listener.events_for(bob)

    bob_client.post(reverse("decline_request", args=[incoming(bob).pk]))

    assert not FriendRequest.objects.exists() and friend_names(alice) == []
    assert listener.types_for(alice) == ["friend.request_declined"]
    assert listener.types_for(bob) == ["friend.request_declined"]


def test_cancel(alice, bob, alice_client, listener):
    listener.subscribe(alice, bob)
    befriend(alice_client, "bob")
    listener.events_for(bob)

    alice_client.post(reverse("cancel_request", args=[incoming(bob).pk]))

    assert not FriendRequest.objects.exists()
    assert listener.types_for(bob) == ["friend.request_cancelled"]


def test_sending_twice_is_harmless(alice, bob, alice_client, listener):
    listener.subscribe(bob)

    befriend(alice_client, "bob")
    befriend(alice_client, "BOB")

    assert FriendRequest.objects.count() == 1
    assert listener.types_for(bob) == ["friend.request_received"]


def test_asking_someone_who_already_asked_you_accepts(alice, bob, alice_client, bob_client):
    befriend(alice_client, "bob")

    befriend(bob_client, "alice")

    assert friend_names(bob) == ["alice"]
    assert not FriendRequest.objects.exists()


def test_remove_friend(alice, bob, alice_client, bob_client, listener):
    befriend(alice_client, "bob")
    befriend(bob_client, "alice")
    listener.subscribe(alice, bob)

    response = alice_client.post(reverse("unfriend", args=["bob"]))

    assert response.status_code == 302
    assert friend_names(alice) == [] == friend_names(bob)
    assert listener.types_for(bob) == ["friend.removed"]
    assert alice_client.post(reverse("unfriend", args=["bob"])).status_code == 404


def test_request_to_yourself_is_refused(alice, alice_client):
    response = befriend(alice_client, "alice")

    assert response.status_code == 400
    assert "You can&#x27;t send a friend request to yourself." in response.content.decode()
    assert not FriendRequest.objects.exists()


def test_request_to_yourself_as_json(alice, alice_client):
    response = alice_client.post(
        reverse("befriend", args=["alice"]), HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "You can't send a friend request to yourself."}
    }


def test_accepting_a_request_not_addressed_to_you_is_not_found(alice, bob, carol, alice_client):
    befriend(alice_client, "bob")
    request_id = incoming(bob).pk

    for action in ("accept_request", "decline_request"):
        response = client_for(carol).post(reverse(action, args=[request_id]))
        assert response.status_code == 404
    assert alice_client.post(reverse("accept_request", args=[request_id])).status_code == 404
    assert client_for(carol).post(reverse("cancel_request", args=[request_id])).status_code == 404
    assert client_for(carol).post(reverse("accept_request", args=[999999])).status_code == 404
    assert FriendRequest.objects.count() == 1 and not Friendship.objects.exists()


def test_friend_actions_on_unknown_users_are_not_found(alice_client):
    for action in ("befriend", "unfriend", "block", "unblock"):
        assert alice_client.post(reverse(action, args=["ghost"])).status_code == 404


def test_friend_actions_need_post_and_a_session(alice, client, alice_client):
    assert alice_client.get(reverse("befriend", args=["alice"])).status_code == 405
    response = client.post(reverse("befriend", args=["alice"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_block_ends_friendship_and_requests_and_refuses_new_ones(
    alice, bob, carol, alice_client, bob_client, listener
):
    befriend(alice_client, "bob")
    befriend(bob_client, "alice")
    befriend(client_for(carol), "alice")
    listener.subscribe(alice, bob)

    assert alice_client.post(reverse("block", args=["bob"])).status_code == 302

    assert friend_names(alice) == []
    assert listener.types_for(bob) == ["friend.removed"]
    refused = befriend(bob_client, "alice")
    assert refused.status_code == 403
    assert "You can&#x27;t send Alice Liddell a friend request." in refused.content.decode()
    assert befriend(alice_client, "bob").status_code == 403
    assert not FriendRequest.objects.filter(from_user=bob).exists()
    assert FriendRequest.objects.filter(from_user=carol).exists()  # others are untouched


def test_block_removes_pending_requests_both_ways(alice, bob, alice_client, bob_client):
    befriend(bob_client, "alice")

    alice_client.post(reverse("block", args=["bob"]))

    assert not FriendRequest.objects.exists()
    assert "Blocked" in page_text(alice_client, "profile", "bob")


def test_unblock_allows_requests_again_but_does_not_restore_friendship(
    alice, bob, alice_client, bob_client
):
    befriend(alice_client, "bob")
    befriend(bob_client, "alice")
    alice_client.post(reverse("block", args=["bob"]))

    alice_client.post(reverse("unblock", args=["bob"]))

    assert not Block.objects.exists() and friend_names(alice) == []
    assert befriend(bob_client, "alice").status_code == 302


def test_block_yourself_is_refused(alice_client):
    assert alice_client.post(reverse("block", args=["alice"])).status_code == 400
    assert not Block.objects.exists()


def test_profile_buttons_follow_the_relationship(alice, bob, alice_client, bob_client):
    assert "Add friend" in page_text(alice_client, "profile", "bob")
    befriend(alice_client, "bob")
    assert "Friend request sent" in page_text(alice_client, "profile", "bob")
    assert "Accept friend request" in page_text(bob_client, "profile", "alice")
    befriend(bob_client, "alice")
    assert "Remove friend" in page_text(alice_client, "profile", "bob")
    assert "Edit your profile" in page_text(alice_client, "profile", "alice")


def test_next_redirect_stays_on_this_site(alice, bob, alice_client):
    response = alice_client.post(
        reverse("befriend", args=["bob"]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("profile", args=["bob"])

    response = alice_client.post(reverse("block", args=["bob"]), {"next": "/people/?q=b"})
    assert response["Location"] == "/people/?q=b"


class TestPeopleSearch:
    def results(self, client, q="", page=1):
        response = client.get(reverse("people"), {"q": q, "page": page})
        assert response.status_code == 200
        return [u.username for u in response.context["page"].object_list]

    def test_prefix_of_username_or_display_name_any_case(self, alice, bob, carol, alice_client):
        UserFactory(username="bobby", display_name="Robert")
        UserFactory(username="zed", display_name="Mary Bobbins")

        assert self.results(alice_client, "BO") == ["bob", "bobby", "zed"]
        assert self.results(alice_client, "rob") == ["bobby"]
        assert self.results(alice_client, "king") == ["carol"]
        assert self.results(alice_client, "ob") == []

    def test_excludes_yourself_and_deactivated_users(self, alice, bob, alice_client):
        UserFactory(username="alicia", is_active=False)

        assert self.results(alice_client, "ali") == []
        assert self.results(alice_client) == ["bob"]

    def test_paged(self, alice, alice_client):
        for n in range(25):
            UserFactory(username=f"member{n:02d}")

        first, second = (
            self.results(alice_client, "member"),
            self.results(alice_client, "member", 2),
        )
        assert len(first) == 20 and len(second) == 5
        assert first + second == [f"member{n:02d}" for n in range(25)]
        assert self.results(alice_client, "member", 99) == second
        junk = alice_client.get(reverse("people"), {"q": "member", "page": "junk"})
        assert junk.status_code == 400  # as every ?page= that is not a number

    def test_wildcards_are_literal_and_results_escaped(self, alice, alice_client):
        UserFactory(username="eve", display_name="<b>Eve</b>")

        assert self.results(alice_client, "%") == []
        assert self.results(alice_client, "_") == []
        html = alice_client.get(reverse("people"), {"q": "<b>"}).content.decode()
        assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve" not in html
