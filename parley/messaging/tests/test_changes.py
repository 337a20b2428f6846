"""Edits, deletes, reactions, replies, mentions and moves: what members see afterwards."""

import itertools
from typing import Any

import msgspec
import pytest
from django.urls import reverse

from parley.accounts.tests.factories import UserFactory
from parley.core.errors import ParleyError
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.react import check_react
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.rooms import (
    check_change_role,
    check_create_chat,
    check_create_room,
    check_join_room,
    check_leave_room,
)
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message
from parley.messaging.selectors import conversation_list, history, stream_after

pytestmark = pytest.mark.django_db

_ids = itertools.count()


def say(user, body, chat, **extra):
    return check_send_message(
        user, client_id=f"c{next(_ids)}", body=body, conversation_id=chat.pk, **extra
    ).message


def seen_by(user, chat) -> dict:
    """The conversation's entry in `user`'s list."""
    return next(c for c in conversation_list(user) if c["id"] == chat.pk)


def newest(user, chat) -> list[dict]:
    return history(user, chat.pk)["messages"]


def refused(code: str, call, *args):
    with pytest.raises(ParleyError) as error:
        call(*args)
    assert error.value.code == code
    return error.value


# --- edits ---------------------------------------------------------------------------


def test_an_edit_replaces_the_text_marks_it_edited_and_keeps_the_old_version(
    alice, bob, chat, alice_client
):
    message = say(alice, "teh plan", chat)

    seq = check_edit_message(alice, message.pk, "the **plan**")

    shown = newest(bob, chat)[0]
    assert shown["body"] == "the **plan**"
    assert shown["html"] == "<p>the <strong>plan</strong></p>"
    assert shown["edited_at"] is not None
    assert shown["edit_count"] == 1
    assert shown["updated_seq"] == seq == message.seq + 1
    versions = alice_client.get(reverse("api-v1:message_edits", args=[message.pk])).json()
    assert [v["body"] for v in versions["versions"]] == ["teh plan", "the **plan**"]


def test_an_edit_does_not_count_as_an_unread_message(alice, bob, chat):
    message = say(alice, "one", chat)
    say(alice, "two", chat)
    check_edit_message(alice, message.pk, "one, fixed")

    assert seen_by(bob, chat)["unread"] == 2
    check_mark_read(bob, chat.pk, Conversation.objects.get(pk=chat.pk).last_seq)
    assert seen_by(bob, chat)["unread"] == 0


def test_editing_to_the_same_text_changes_nothing(alice, chat):
    message = say(alice, "same", chat)

    assert check_edit_message(alice, message.pk, "same") is None
    assert Conversation.objects.get(pk=chat.pk).last_seq == message.seq


def test_only_the_sender_edits_and_only_members_find_the_message(alice, bob, carol, chat):
    message = say(alice, "mine", chat)

    refused("forbidden", check_edit_message, bob, message.pk, "yours now")
    refused("not_found", check_edit_message, carol, message.pk, "hello")
    refused("not_found", check_edit_message, alice, 10**9, "hello")
    refused("invalid", check_edit_message, alice, message.pk, "   ")
    assert Message.objects.get(pk=message.pk).body == "mine"


def test_versions_are_not_shown_outside_the_conversation(alice, carol, chat, client):
    message = say(alice, "private", chat)
    client.force_login(carol)

    response = client.get(reverse("api-v1:message_edits", args=[message.pk]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- deletes -------------------------------------------------------------------------


def test_a_deleted_message_leaves_a_tombstone_without_its_text(alice, bob, chat, bob_client):
    message = say(alice, "oops, a secret", chat)
    check_edit_message(alice, message.pk, "oops, another secret")
    check_react(bob, message.pk, "👀", True)

    check_delete_message(alice, message.pk)

    shown = newest(bob, chat)[0]
    assert shown["deleted"] is True
    assert (shown["body"], shown["html"], shown["reactions"]) == ("", "", [])
    versions = bob_client.get(reverse("api-v1:message_edits", args=[message.pk])).json()
    assert versions["versions"] == []
    replayed = str(stream_after(chat.pk, 0))
    assert "secret" not in replayed
    assert seen_by(bob, chat)["preview"] is None  # no tombstone, nothing before it


def test_room_admins_delete_anyones_message_members_only_their_own(alice, bob, carol, room, chat):
    check_join_room(carol, room)
    by_bob = say(bob, "spam", chat)
    by_alice = say(alice, "rules", chat)

    refused("forbidden", check_delete_message, carol, by_bob.pk)
    refused("forbidden", check_delete_message, bob, by_alice.pk)
    check_delete_message(alice, by_bob.pk)  # alice owns the room
    check_change_role(alice, room, carol.pk, "admin")
    check_delete_message(carol, by_alice.pk)

    assert all(m["deleted"] for m in newest(bob, chat))


def test_a_deleted_message_cannot_be_edited_reacted_to_or_deleted_again(alice, bob, chat):
    message = say(alice, "gone soon", chat)
    check_delete_message(alice, message.pk)

    refused("invalid", check_edit_message, alice, message.pk, "back")
    refused("invalid", check_react, bob, message.pk, "👍", True)
    refused("invalid", check_delete_message, alice, message.pk)


# --- reactions -----------------------------------------------------------------------


def test_reactions_count_who_reacted_and_can_be_taken_back(alice, bob, carol, room, chat):
    check_join_room(carol, room)
    message = say(alice, "ship it?", chat)

    check_react(bob, message.pk, "👍", True)
    check_react(carol, message.pk, "👍", True)
    check_react(carol, message.pk, "🎉", True)
    assert check_react(bob, message.pk, "👍", True) is None  # already there: no change
    check_react(carol, message.pk, "👍", False)
    assert check_react(carol, message.pk, "👍", False) is None

    assert newest(alice, chat)[0]["reactions"] == [
        {"emoji": "👍", "count": 1, "users": [bob.pk], "names": ["Bob Marley"]},
        {"emoji": "🎉", "count": 1, "users": [carol.pk], "names": ["Carol King"]},
    ]


@pytest.mark.parametrize("emoji", ["", "a", ":)", "👍👍", "<b>", "x" * 40])
def test_a_reaction_must_be_one_emoji(alice, bob, chat, emoji):
    message = say(alice, "hi", chat)

    refused("invalid", check_react, bob, message.pk, emoji, True)
    assert Message.objects.get(pk=message.pk).reactions == []


def test_skin_tones_and_sequences_are_single_emoji(alice, bob, chat):
    message = say(alice, "hi", chat)

    check_react(bob, message.pk, "👍🏽", True)
    check_react(bob, message.pk, "🏳️‍🌈", True)

    assert [r["emoji"] for r in newest(bob, chat)[0]["reactions"]] == ["👍🏽", "🏳️‍🌈"]


# --- replies -------------------------------------------------------------------------


def test_a_reply_quotes_and_links_to_the_original(alice, bob, chat):
    original = say(alice, "Lunch at **noon**?\nOr later.", chat)

    reply = say(bob, "noon works", chat, reply_to=original.pk)

    quoted = newest(alice, chat)[0]["reply_to"]
    assert quoted == {
        "id": original.pk,
        "conversation": chat.pk,
        "seq": original.seq,
        "sender": {"id": alice.pk, "username": "alice", "name": "Alice Liddell"},
        "excerpt": "Lunch at noon? Or later.",
        "deleted": False,
    }
    check_delete_message(alice, original.pk)
    assert history(bob, chat.pk)["messages"][0]["id"] == reply.pk
    assert history(bob, chat.pk)["messages"][0]["reply_to"]["deleted"] is True
    assert history(bob, chat.pk)["messages"][0]["reply_to"]["excerpt"] == ""


def test_a_reply_must_be_to_a_message_of_the_same_conversation(alice, bob, room, chat):
    other = check_create_chat(alice, room, title="random")
    elsewhere = say(alice, "over here", other)

    with pytest.raises(ParleyError) as error:
        say(bob, "re", chat, reply_to=elsewhere.pk)
    assert error.value.code == "not_found"
    assert not Message.objects.filter(body="re").exists()


# --- mentions ------------------------------------------------------------------------


def test_a_mention_of_a_member_is_marked_and_counted_for_them(alice, bob, carol, chat):
    message = say(alice, "@bob and @Carol, see `@bob` and a@bob.com", chat)

    assert message.html.count('class="mention"') == 1  # carol is not a member
    assert f'<span class="mention" data-user="{bob.pk}">@bob</span>' in message.html
    assert message.mentioned_ids == [bob.pk]
    assert seen_by(bob, chat)["mentions"] == 1
    assert seen_by(alice, chat)["mentions"] == 0

    check_mark_read(bob, chat.pk, message.seq)
    assert seen_by(bob, chat)["mentions"] == 0


def test_an_edit_that_adds_or_removes_a_mention_updates_the_count(alice, bob, chat):
    message = say(alice, "hello team", chat)

    check_edit_message(alice, message.pk, "hello @bob")
    assert seen_by(bob, chat)["mentions"] == 1
    check_edit_message(alice, message.pk, "hello team")
    assert seen_by(bob, chat)["mentions"] == 0


def test_mentioning_yourself_is_not_counted(alice, chat):
    say(alice, "note to @alice", chat)

    assert seen_by(alice, chat)["mentions"] == 0


# --- moves ---------------------------------------------------------------------------


def test_an_admin_moves_a_message_to_another_chat_of_the_room(alice, bob, room, chat):
    target = check_create_chat(alice, room, title="ops")
    message = say(bob, "deploy is red @alice", chat)
    check_react(alice, message.pk, "👀", True)

    check_move_message(alice, message.pk, target.pk)

    tombstone = newest(bob, chat)[0]
    assert tombstone["body"] == ""
    assert tombstone["moved_to"]["conversation"] == target.pk
    assert tombstone["moved_to"]["title"] == "Team › ops"
    assert tombstone["moved_to"]["seq"] == newest(bob, target)[0]["seq"]
    copy = newest(bob, target)[0]
    assert copy["id"] == tombstone["moved_to"]["id"]
    assert copy["body"] == "deploy is red @alice"
    assert copy["sender"]["id"] == bob.pk
    assert copy["moved_from"] == {"conversation": chat.pk, "title": "Team › general"}
    assert copy["reactions"] == [
        {"emoji": "👀", "count": 1, "users": [alice.pk], "names": ["Alice Liddell"]}
    ]
    assert seen_by(bob, target)["unread"] == 1


def test_members_cannot_move_and_chats_of_other_rooms_are_not_found(alice, bob, room, chat):
    message = say(bob, "here", chat)
    other_room = check_create_room(alice, title="Elsewhere")
    target = check_create_chat(alice, room, title="ops")

    refused("forbidden", check_move_message, bob, message.pk, target.pk)
    refused("not_found", check_move_message, alice, message.pk, other_room.chats.get().pk)
    refused("invalid", check_move_message, alice, message.pk, chat.pk)
    assert Message.objects.get(pk=message.pk).moved_to_id is None


def test_direct_messages_cannot_be_moved(alice, bob, room):
    direct = check_send_message(alice, client_id="d1", body="hi", to_user_id=bob.pk).message

    refused("invalid", check_move_message, alice, direct.pk, room.chats.get().pk)


# --- the stream ----------------------------------------------------------------------


def test_every_change_takes_the_next_seq_and_the_last_message_stays_the_preview(alice, bob, chat):
    first = say(alice, "first", chat)
    check_edit_message(alice, first.pk, "first!")
    check_react(bob, first.pk, "👍", True)
    second = say(bob, "second", chat)
    check_react(alice, second.pk, "❤️", True)

    conversation = Conversation.objects.get(pk=chat.pk)
    assert (first.seq, second.seq, conversation.last_seq) == (1, 4, 5)
    assert conversation.last_message_seq == 4  # MariaDB evaluates SET left to right
    assert conversation.message_count == 2
    assert seen_by(alice, chat)["preview"]["text"] == "second"
    replay = [(seq, msgspec.to_builtins(event)["type"]) for seq, event in stream_after(chat.pk, 0)]
    assert replay == [
        (1, "message"),
        (2, "message.edited"),
        (3, "message.reactions"),
        (4, "message"),
        (5, "message.reactions"),
    ]


def test_a_member_who_left_cannot_change_anything(alice, bob, room, chat):
    message = say(alice, "hi", chat)
    check_leave_room(bob, room)

    refused("not_found", check_react, bob, message.pk, "👍", True)


# --- HTTP companions -----------------------------------------------------------------


def test_a_page_around_a_message_centres_on_it(alice, bob, chat, bob_client, settings):
    settings.SEND_RATE_BURST = 100
    sent = [say(alice, f"m{n}", chat) for n in range(30)]

    response = bob_client.get(
        reverse("api-v1:history", args=[chat.pk]), {"around": sent[10].seq, "limit": 10}
    )

    body = response.json()
    assert [m["body"] for m in body["messages"]] == [f"m{n}" for n in range(14, 4, -1)]
    assert (body["has_more"], body["has_newer"], body["anchor"]) == (True, True, sent[10].seq)


def test_preview_renders_like_a_sent_message(alice, bob, chat, alice_client):
    response = alice_client.post(
        reverse("api-v1:preview"),
        {"body": "**hi** @bob <script>", "conversation": chat.pk},
        content_type="application/json",
    )

    assert response.json() == {
        "html": f'<p><strong>hi</strong> <span class="mention" data-user="{bob.pk}">@bob</span>'
        " &lt;script&gt;</p>",
        "mentions": [bob.pk],
    }


@pytest.mark.parametrize(
    "payload",
    ['{"body": 5}', "not json", '{"body": "hi", "conversation": "x"}', '{"body": "   "}'],
)
def test_preview_refuses_bad_input_with_a_clear_error(alice_client, payload):
    response = alice_client.post(
        reverse("api-v1:preview"), payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_preview_of_a_conversation_you_are_not_in_is_not_found(carol, chat, client):
    client.force_login(carol)

    response = client.post(
        reverse("api-v1:preview"), {"body": "hi", "conversation": chat.pk},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 404


def test_member_autocomplete_matches_username_or_name_prefix(alice, bob, room, chat, alice_client):
    bobby: Any = UserFactory(username="bobby", display_name="Roberta")
    check_join_room(bobby, room)
    url = reverse("api-v1:members", args=[chat.pk])

    by_username = alice_client.get(url, {"q": "@bo"}).json()["members"]
    by_name = alice_client.get(url, {"q": "rob"}).json()["members"]

    assert [m["username"] for m in by_username] == ["bob", "bobby"]
    assert [m["username"] for m in by_name] == ["bobby"]


def test_the_list_tells_each_member_their_role_in_the_room(alice, bob, room, chat):
    assert seen_by(alice, chat)["room"]["role"] == "owner"
    assert seen_by(bob, chat)["room"]["role"] == "member"
    check_change_role(alice, room, bob.pk, "admin")
    assert seen_by(bob, chat)["room"]["role"] == "admin"


def test_pages_say_whether_newer_messages_exist(alice, bob, chat, bob_client, settings):
    settings.SEND_RATE_BURST = 100
    sent = [say(alice, f"m{n}", chat) for n in range(6)]
    url = reverse("api-v1:history", args=[chat.pk])

    newest_page = bob_client.get(url, {"limit": 3}).json()
    older_page = bob_client.get(url, {"before": sent[3].seq, "limit": 3}).json()
    newer_page = bob_client.get(url, {"after": sent[0].seq, "limit": 3}).json()

    assert (newest_page["has_more"], newest_page["has_newer"]) == (True, False)
    assert (older_page["has_more"], older_page["has_newer"]) == (False, True)
    assert (newer_page["has_more"], newer_page["has_newer"]) == (True, True)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/conversations/{2**70}/messages",
        f"/api/v1/conversations/{2**63}/members",
        f"/api/v1/messages/{10**30}/edits",
        f"/chat/{2**64}/",
    ],
)
def test_ids_beyond_any_row_are_not_found(alice_client, path):
    response = alice_client.get(path)

    assert response.status_code == 404


def test_preview_of_an_impossible_conversation_id_is_refused(alice_client):
    response = alice_client.post(
        reverse("api-v1:preview"), {"body": "hi", "conversation": 2**70},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400


def test_a_reply_follows_its_original_to_the_chat_it_was_moved_to(alice, bob, room, chat):
    target = check_create_chat(alice, room, title="ops")
    original = say(alice, "deploy at *five*", chat)
    say(bob, "ok", chat, reply_to=original.pk)

    check_move_message(alice, original.pk, target.pk)

    quoted = newest(bob, chat)[0]["reply_to"]
    copy = newest(bob, target)[0]
    assert (quoted["id"], quoted["conversation"], quoted["seq"]) == (
        copy["id"], target.pk, copy["seq"]
    )  # fmt: skip
    assert quoted["excerpt"] == "deploy at five"


def test_a_message_whose_sender_used_a_moved_looking_client_id_still_moves(alice, room, chat):
    target = check_create_chat(alice, room, title="ops")
    message = say(alice, "one", chat)
    check_send_message(alice, client_id=f"moved-{message.pk}", body="two", conversation_id=chat.pk)

    check_move_message(alice, message.pk, target.pk)

    assert newest(alice, target)[0]["body"] == "one"
