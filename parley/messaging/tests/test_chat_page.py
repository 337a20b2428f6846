"""The chat page as the server renders it (the live parts are in tests/browser/test_chat.py)."""

import re

import pytest
from django.urls import reverse

from parley.accounts.models import Block, Friendship
from parley.messaging.actions.rooms import check_archive_room, check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation
from parley.messaging.tests.pages import chat_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_send_limit(settings):
    settings.SEND_RATE_BURST = 1000


def say(user, body, conversation=None, to=None, client_id=None):
    return check_send_message(
        user,
        client_id=client_id or f"c{abs(hash((user.pk, body)))}",
        body=body,
        conversation_id=conversation.pk if conversation else None,
        to_user_id=to.pk if to else None,
    ).message


def befriend(a, b):
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)


def test_signed_out_visitors_are_sent_to_log_in(client, chat):
    for path in (reverse("chat"), reverse("chat_conversation", args=[chat.pk])):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_chat_opens_no_conversation_the_user_did_not_choose(alice, bob, chat, alice_client):
    check_create_room(alice, title="Quiet")
    say(bob, "latest", chat)

    response = alice_client.get(reverse("chat"))

    assert response.status_code == 200  # not a redirect into the newest conversation
    assert chat_data(response)["current"] is None
    page = response.content.decode()
    assert "No conversation is open." in page and "Choose one from the list" in page
    assert "latest" in page  # the list's preview, nothing marked read
    assert chat_data(response)["conversations"][0]["unread"] == 1


def test_without_conversations_chat_points_to_rooms_and_friends(carol, client):
    client.force_login(carol)

    response = client.get(reverse("chat"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "No conversations yet." in page
    assert 'href="/rooms/"' in page and 'href="/friends/"' in page
    assert chat_data(response)["current"] is None


def test_a_conversation_renders_its_list_messages_and_composer(alice, bob, chat, bob_client):
    say(alice, "first", chat)
    say(alice, "Hello **team** <script>alert(1)</script>", chat)
    games = check_create_room(alice, title="Games")
    check_join_room(bob, games)
    befriend(alice, bob)
    direct = say(alice, "psst", to=bob).conversation

    response = bob_client.get(reverse("chat_conversation", args=[chat.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    # The list: rooms with their chats (most recent first), then direct conversations.
    assert re.search(r'<h3 id="ch-room-\d+">Team</h3>.*<h3 id="ch-room-\d+">Games</h3>', page, re.S)
    assert '<h2 id="ch-people-h">Direct messages</h2>' in page
    assert f'href="/chat/{direct.pk}/"><span class="avatar' in page
    assert 'aria-label="2 unread">2</span>' in page
    assert 'aria-label="1 unread">1</span>' in page
    assert f'href="/chat/{chat.pk}/" aria-current="page"' in page
    # The messages: the server's sanitised html; people's text escaped everywhere else.
    assert "<p>Hello <strong>team</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>" in page
    assert "Alice Liddell: Hello team &lt;script&gt;" in page  # plain text, escaped
    assert "<script>alert(1)" not in page
    assert 'role="log" aria-live="polite"' in page
    assert (
        '<label for="ch-input" class="visually-hidden" id="ch-input-label">Message Team › general'
        in page
    )
    data = chat_data(response)
    assert data["me"]["username"] == "bob"
    assert data["current"] == chat.pk
    assert data["page"] == {"first": 1, "last": 2}
    assert [c["id"] for c in data["conversations"]] == [direct.pk, chat.pk, games.chats.get().pk]


def test_a_long_unread_run_opens_at_the_first_unread_message(alice, bob, chat, bob_client):
    for n in range(1, 81):
        say(alice, f"m{n}", chat, client_id=f"m{n}")
    chat.participants.filter(user=bob).update(last_read_seq=20)

    data = chat_data(bob_client.get(reverse("chat_conversation", args=[chat.pk])))

    assert data["page"] == {"first": 16, "last": 65}


def test_someone_elses_conversation_is_not_found(alice, carol, chat, client):
    client.force_login(carol)

    for conversation_id in (chat.pk, chat.pk + 1000):
        response = client.get(reverse("chat_conversation", args=[conversation_id]))
        assert response.status_code == 404
        assert "That conversation was not found." in response.content.decode()


def test_to_opens_a_composer_for_a_first_direct_message(alice, bob, alice_client):
    befriend(alice, bob)

    response = alice_client.get(reverse("chat"), {"to": "BOB"})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="ch-pane-title">Bob Marley</h2>' in page
    assert "New direct message to @bob" in page
    data = chat_data(response)
    assert data["draft"] == {
        "user": {
            "id": bob.pk,
            "username": "bob",
            "name": "Bob Marley",
            "avatar": None,
            "bot": False,
        },
        "allowed": True,
    }
    assert data["current"] is None


def test_to_someone_you_cannot_message_says_why(alice, carol, alice_client):
    response = alice_client.get(reverse("chat"), {"to": "carol"})

    assert "You can message Carol King once you are friends or share a room." in (
        response.content.decode()
    )
    assert chat_data(response)["draft"]["allowed"] is False

    befriend(alice, carol)
    Block.objects.create(blocker=carol, blocked=alice)
    assert (
        chat_data(alice_client.get(reverse("chat"), {"to": "carol"}))["draft"]["allowed"] is False
    )


def test_to_someone_you_already_write_to_opens_that_conversation(alice, bob, alice_client):
    befriend(alice, bob)
    direct = say(bob, "hi", to=alice).conversation

    response = alice_client.get(reverse("chat"), {"to": "bob"})

    assert response["Location"] == reverse("chat_conversation", args=[direct.pk])
    assert Conversation.objects.filter(kind=Conversation.Kind.DIRECT).count() == 1


def test_to_nobody_or_yourself_is_refused(alice, alice_client):
    assert alice_client.get(reverse("chat"), {"to": "nobody"}).status_code == 404
    assert alice_client.get(reverse("chat"), {"to": "alice"}).status_code == 400


def test_the_page_takes_a_fixed_number_of_queries(
    alice, bob, chat, bob_client, django_assert_num_queries
):
    for n in range(30):
        say(alice, f"m{n}", chat, client_id=f"q{n}")
    for n in range(5):
        room = check_create_room(alice, title=f"Room {n}")
        check_join_room(bob, room)

    # The list (with its unread mentions), the first page, the user, session and rooms,
    # the pending invitations and friend requests (which the badges count too).
    with django_assert_num_queries(9):
        response = bob_client.get(reverse("chat_conversation", args=[chat.pk]))
    assert response.status_code == 200


def test_the_navigation_leads_to_chat(alice_client):
    page = alice_client.get(reverse("friends")).content.decode()

    assert re.search(
        r'<nav aria-label="Main">\s*<ul id="nav-list">\s*<li><a href="/chat/">Chat</a></li>', page
    )


def test_an_archived_rooms_chat_is_read_only(alice, bob, chat, bob_client):
    say(alice, "last words", chat)
    check_archive_room(alice, chat.room)

    response = bob_client.get(reverse("chat_conversation", args=[chat.pk]))

    page = response.content.decode()
    assert "last words" in page
    assert "This room is archived: you can read it, but nothing new can be posted here." in page
    assert '<form class="ch-composer" id="ch-composer" hidden>' in page
    assert chat_data(response)["archived_rooms"] == [chat.room_id]
