"""Writing messages over the API with a token, as a script sees it: a send has the
socket's guarantees (answered after the commit, a resend returns the original, every
member's socket gets it once, one rate limit with the user's sockets); edits, deletes,
reactions, moves and read markers go through the socket's actions and refusals and reach
the members' sockets as the socket's own would; "missing" and "forbidden" look alike."""

from typing import Any
from urllib.parse import quote

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from parley.accounts.actions.bots import check_create_bot
from parley.accounts.actions.friends import check_block_user
from parley.api.shapes import Changed, ReadState, Sent
from parley.api.tests.test_conversations import token_client
from parley.core.testing.sockets import open_socket
from parley.events.catalogue import MessageData, validate_as
from parley.messaging.actions.rooms import check_create_chat, check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message, Reaction
from parley.realtime.limits import FRAME_LIMITS

SEND = "/api/v1/messages"
MISSING = 987654


def call(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    """`method` on `url`, with `data` as the JSON body if given."""
    if data is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data, content_type="application/json")


acall = database_sync_to_async(call)


def error_of(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def said(user, chat, body: str, client_id: str) -> Message:
    return check_send_message(user, conversation_id=chat.pk, client_id=client_id, body=body).message


@pytest.fixture
def message(chat, alice) -> Message:
    """alice's message in the room's chat."""
    return said(alice, chat, "hello", "a1")


def state(chat) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the chat's stream and its messages."""
    conversation = Conversation.objects.get(pk=chat.pk)
    return (
        conversation.last_seq,
        list(Message.objects.order_by("pk").values_list("pk", "body", "edit_count", "deleted_at")),
        list(Reaction.objects.values_list("pk", flat=True)),
        list(conversation.participants.values_list("user_id", "last_read_seq")),
    )


# --- Sending ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_send_reaches_each_members_socket_once_and_a_resend_returns_the_original(
    room, chat, alice, bob
):
    reader, _, _ = await open_socket(alice)
    own_tab, _, _ = await open_socket(bob)
    script = await database_sync_to_async(token_client)(bob)
    payload = {"conversation": chat.pk, "body": "hello **all**", "client_id": "bot-1"}

    sent = await acall(script, "post", SEND, payload)
    resent = await acall(script, "post", SEND, payload)

    assert (sent.status_code, resent.status_code) == (201, 200)
    first = validate_as(sent.json(), Sent)
    assert first["duplicate"] is False and validate_as(resent.json(), Sent) == {
        **first,
        "duplicate": True,
    }
    assert first["message"]["html"] == "<p>hello <strong>all</strong></p>"
    assert (first["conversation"], first["client_id"]) == (chat.pk, "bot-1")
    for socket in (reader, own_tab):
        [event] = await socket.receive_sequenced()
        assert event == {
            "type": "message",
            "conversation": chat.pk,
            "seq": first["seq"],
            "message": first["message"],
        }
        assert await socket.nothing_more()
    ack = await own_tab.request(type="send", conversation=chat.pk, client_id="s-1", body="x")
    assert set(ack) - {"type", "ref"} == set(first) - {"message"}  # the ack's fields
    for socket in (reader, own_tab):
        await socket.close()


@pytest.mark.django_db(transaction=True)
async def test_sends_over_http_and_over_the_socket_share_one_rate_limit(settings, room, chat, bob):
    settings.SEND_RATE_BURST, settings.SEND_RATE_PER_SECOND = 2, 0.01
    socket, _, _ = await open_socket(bob)
    script = await database_sync_to_async(token_client)(bob)

    def payload(client_id: str) -> dict[str, Any]:
        return {"conversation": chat.pk, "body": "hi", "client_id": client_id}

    over_http = await acall(script, "post", SEND, payload("h1"))
    over_socket = await socket.request(type="send", **payload("s1"))
    http_refused = await acall(script, "post", SEND, payload("h2"))
    socket_refused = await socket.request(type="send", **payload("s2"))
    resent = await acall(script, "post", SEND, payload("h1"))

    assert over_http.status_code == 201 and over_socket["type"] == "ack"
    assert http_refused.status_code == 429 and int(http_refused["Retry-After"]) >= 1
    assert error_of(http_refused)["code"] == socket_refused["code"] == "rate_limited"
    assert error_of(http_refused)["message"] == socket_refused["message"]
    assert resent.status_code == 200 and resent.json()["id"] == over_http.json()["id"]
    stored = database_sync_to_async(lambda: sorted(Message.objects.values_list("client_id")))
    assert await stored() == [("h1",), ("s1",)]
    await socket.close()


def test_a_reply_and_a_first_direct_message(chat, alice, bob):
    question = said(alice, chat, "question?", "q")
    script = token_client(bob)

    reply = call(
        script,
        "post",
        SEND,
        {"conversation": chat.pk, "body": "answer", "client_id": "r", "reply_to": question.pk},
    )
    direct = call(script, "post", SEND, {"to": alice.pk, "body": "psst", "client_id": "d1"})
    again = call(script, "post", SEND, {"to": alice.pk, "body": "psst!", "client_id": "d2"})

    assert reply.status_code == 201
    quote_ = reply.json()["message"]["reply_to"]
    assert (quote_["id"], quote_["excerpt"]) == (question.pk, "question?")
    assert (direct.status_code, again.status_code) == (201, 201)
    conversation = direct.json()["conversation"]
    assert conversation != chat.pk and again.json()["conversation"] == conversation
    assert Conversation.objects.get(pk=conversation).kind == Conversation.Kind.DIRECT
    listed = token_client(alice).get("/api/v1/conversations").json()["conversations"]
    assert conversation in [c["id"] for c in listed]


def test_a_bot_sends_with_its_token_as_itself(room, chat, alice, bob):
    bot = check_create_bot(alice, username="deploy-bot", display_name="Deploy")
    check_join_room(bot, room)

    sent = call(
        token_client(bot), "post", SEND, {"conversation": chat.pk, "body": "done", "client_id": "d"}
    )

    assert sent.status_code == 201
    assert sent.json()["message"]["sender"] == {**sent.json()["message"]["sender"], "bot": True}
    assert token_client(bob).get(f"{SEND}/{sent.json()['id']}").json() == sent.json()["message"]


def test_a_reply_to_a_message_elsewhere_is_not_found(room, chat, alice, bob):
    elsewhere = check_create_chat(alice, room, title="elsewhere")
    theirs = said(alice, elsewhere, "over there", "e")

    response = call(
        token_client(bob),
        "post",
        SEND,
        {"conversation": chat.pk, "body": "re", "client_id": "r", "reply_to": theirs.pk},
    )

    assert response.status_code == 404
    assert error_of(response)["message"] == "The message you are replying to was not found."


def test_a_send_names_a_conversation_or_a_person(chat, alice, bob):
    script = token_client(bob)
    both = {"conversation": chat.pk, "to": alice.pk, "body": "hi", "client_id": "b"}

    for payload in (both, {"body": "hi", "client_id": "n"}):
        response = call(script, "post", SEND, payload)
        assert response.status_code == 400 and error_of(response)["code"] == "invalid"
    assert not Message.objects.exists()


def test_a_blocked_person_is_refused_as_on_the_socket(room, alice, bob):
    """The direct conversation's rules (all of SEND_RULES run over the API in
    parley/messaging/tests/test_send_rules.py): sends, edits and reactions refused."""
    mine = check_send_message(bob, to_user_id=alice.pk, client_id="b", body="hi").message
    check_block_user(alice, bob)
    script = token_client(bob)
    before = state(mine.conversation)

    by_conversation = call(
        script, "post", SEND, {"conversation": mine.conversation_id, "body": "?", "client_id": "c"}
    )
    by_person = call(script, "post", SEND, {"to": alice.pk, "body": "?", "client_id": "p"})
    edit = call(script, "patch", f"{SEND}/{mine.pk}", {"body": "edited"})
    react = call(script, "post", f"{SEND}/{mine.pk}/reactions", {"emoji": "👍"})

    assert [r.status_code for r in (by_conversation, by_person, edit, react)] == [403] * 4
    assert error_of(by_person)["message"] == "You can't message Alice Liddell."
    for refused in (by_conversation, edit, react):
        assert error_of(refused) == {
            "code": "forbidden",
            "message": "You can't message this person.",
        }
    assert state(mine.conversation) == before


# --- Edits, deletes, reactions, moves, read markers ---------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_changes_reach_the_members_sockets_as_the_socket_would_send_them(
    room, chat, alice, bob
):
    message = await database_sync_to_async(said)(alice, chat, "helo", "m")
    elsewhere = await database_sync_to_async(check_create_chat)(alice, room, title="elsewhere")
    doomed = await database_sync_to_async(said)(alice, chat, "oops", "d")
    watcher, _, _ = await open_socket(bob)
    author, reader = await database_sync_to_async(
        lambda: (token_client(alice), token_client(bob))
    )()
    url = f"{SEND}/{message.pk}"

    answers = [
        await acall(author, "patch", url, {"body": "hello"}),
        await acall(reader, "post", f"{url}/reactions", {"emoji": "👍🏽"}),
        await acall(reader, "delete", f"{url}/reactions/{quote('👍🏽')}"),
        await acall(author, "delete", f"{SEND}/{doomed.pk}"),
        await acall(author, "post", f"{url}/move", {"to": elsewhere.pk}),
    ]

    assert [a.status_code for a in answers] == [200] * 5
    changes = [validate_as(a.json(), Changed) for a in answers]
    events = await watcher.receive_sequenced(6)
    here = [e for e in events if e["conversation"] == chat.pk]
    assert [(e["type"], e["seq"], e["message"]["id"]) for e in here] == [
        ("message.edited", changes[0]["seq"], message.pk),
        ("message.reactions", changes[1]["seq"], message.pk),
        ("message.reactions", changes[2]["seq"], message.pk),
        ("message.deleted", changes[3]["seq"], doomed.pk),
        ("message.moved", changes[4]["seq"], message.pk),
    ]
    assert [e["message"] for e in here] == [c["message"] for c in changes]
    assert changes[1]["message"]["reactions"][0]["emoji"] == "👍🏽"
    assert changes[2]["message"]["reactions"] == []
    assert changes[3]["message"]["deleted"] is True and changes[3]["message"]["body"] == ""
    [copy] = [e for e in events if e["conversation"] == elsewhere.pk]
    assert changes[4]["message"]["moved_to"]["id"] == copy["message"]["id"]
    assert copy["message"]["body"] == "hello"

    marked = await acall(reader, "post", f"/api/v1/conversations/{chat.pk}/read", {"seq": 3})

    assert marked.status_code == 200
    read = validate_as(marked.json(), ReadState)
    assert read["seq"] == 3 and read["unread"] == 0  # messages 1 and 2 are at seqs 1 and 3
    [*_, event] = await watcher.receive_until("read")
    assert event == {"type": "read", **read}
    assert await watcher.nothing_more()
    await watcher.close()


def test_a_message_reads_as_in_history(chat, message, bob):
    script = token_client(bob)

    one = script.get(f"{SEND}/{message.pk}")
    page = script.get(f"/api/v1/conversations/{chat.pk}/messages")

    assert one.status_code == 200
    assert validate_as(one.json(), MessageData) == page.json()["messages"][0]


def test_nothing_to_change_answers_a_null_seq(chat, message, alice):
    script = token_client(alice)
    call(script, "post", f"{SEND}/{message.pk}/reactions", {"emoji": "👍"})
    before = state(chat)

    same_text = call(script, "patch", f"{SEND}/{message.pk}", {"body": "hello"})
    again = call(script, "post", f"{SEND}/{message.pk}/reactions", {"emoji": "👍"})
    never = call(script, "delete", f"{SEND}/{message.pk}/reactions/{quote('🎉')}")

    for answer in (same_text, again, never):
        assert answer.status_code == 200 and answer.json()["seq"] is None
    assert state(chat) == before


def test_a_read_marker_never_moves_back_or_past_the_end(chat, message, bob):
    script = token_client(bob)
    url = f"/api/v1/conversations/{chat.pk}/read"

    past = call(script, "post", url, {"seq": 10**6}).json()
    back = call(script, "post", url, {"seq": 0}).json()

    assert past == back == {"conversation": chat.pk, "seq": 1, "unread": 0, "mentions": 0}


def test_only_authors_edit_and_only_admins_delete_others_or_move(room, chat, message, alice, bob):
    elsewhere = check_create_chat(alice, room, title="elsewhere")
    script = token_client(bob)
    url = f"{SEND}/{message.pk}"
    before = state(chat)

    refused = {
        "You can only edit your own messages.": call(script, "patch", url, {"body": "mine"}),
        "You can only delete your own messages.": call(script, "delete", url),
        "Only the room's admins can move messages.": call(
            script, "post", f"{url}/move", {"to": elsewhere.pk}
        ),
    }

    for text, response in refused.items():
        assert response.status_code == 403
        assert error_of(response) == {"code": "forbidden", "message": text}
    assert state(chat) == before
    spam = said(bob, chat, "spam", "s")
    moderated = call(token_client(alice), "delete", f"{SEND}/{spam.pk}")
    assert moderated.status_code == 200 and moderated.json()["message"]["deleted"]


def test_a_move_goes_only_to_another_chat_of_the_same_room(chat, message, alice):
    other_room = check_create_room(alice, title="Other").chats.get()
    script = token_client(alice)
    url = f"{SEND}/{message.pk}/move"

    away = call(script, "post", url, {"to": other_room.pk})
    missing = call(script, "post", url, {"to": MISSING})
    same = call(script, "post", url, {"to": chat.pk})

    assert away.status_code == missing.status_code == 404 and away.json() == missing.json()
    assert same.status_code == 400
    assert error_of(same)["message"] == "The message is already in that chat."


# --- Every endpoint: outsiders, read-only tokens, bad input, rate limits -------------------


def endpoints(chat: int, message: int, elsewhere: int) -> dict[str, tuple[str, str, Any]]:
    """Each endpoint of this module as (method, url, body) about these ids."""
    url = f"{SEND}/{message}"
    return {
        "send": ("post", SEND, {"conversation": chat, "body": "hi", "client_id": "x1"}),
        "edit": ("patch", url, {"body": "edited"}),
        "delete": ("delete", url, None),
        "react": ("post", f"{url}/reactions", {"emoji": "👍"}),
        "unreact": ("delete", f"{url}/reactions/{quote('👍')}", None),
        "move": ("post", f"{url}/move", {"to": elsewhere}),
        "read": ("post", f"/api/v1/conversations/{chat}/read", {"seq": 1}),
        "message": ("get", url, None),
    }


WRITES = [name for name in endpoints(1, 1, 1) if name != "message"]


@pytest.fixture
def elsewhere(room, alice) -> Conversation:
    return check_create_chat(alice, room, title="elsewhere")


@pytest.fixture
def real(chat, message, elsewhere) -> dict[str, tuple[str, str, Any]]:
    """The endpoints about the room's chat and alice's message in it."""
    return endpoints(chat.pk, message.pk, elsewhere.pk)


@pytest.mark.parametrize("name", [*WRITES, "message"])
def test_an_outsider_gets_the_answer_of_a_missing_id(real, carol, name):
    script = token_client(carol)

    theirs = call(script, *real[name])
    missing = call(script, *endpoints(MISSING, MISSING, MISSING)[name])

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


@pytest.mark.parametrize("name", WRITES)
def test_a_read_only_token_changes_nothing(real, chat, alice, name):
    script = token_client(alice, scope="read")
    before = state(chat)

    response = call(script, *real[name])

    assert response.status_code == 403
    assert error_of(response) == {"code": "forbidden", "message": "This token may only read."}
    assert state(chat) == before


DROP = object()  # a field left out
BAD_INPUT = [
    # (endpoint, fields changed in its body, the error's code, the field it names)
    ("send", {"body": "a\x00b"}, "invalid_text", "body"),
    ("send", {"body": "\ud800"}, "invalid_text", "body"),
    ("send", {"client_id": "c\x00"}, "invalid_text", "client_id"),
    ("send", {"body": "x" * 10_001}, "invalid", "body"),
    ("send", {"body": "   "}, "invalid", "body"),
    ("send", {"body": 5}, "invalid", "body"),
    ("send", {"body": DROP}, "invalid", "body"),
    ("send", {"conversation": "7"}, "invalid", "conversation"),
    ("send", {"conversation": 0}, "invalid", "conversation"),
    ("send", {"to": 1.5}, "invalid", "to"),
    ("send", {"reply_to": True}, "invalid", "reply_to"),
    ("send", {"client_id": "with space"}, "invalid", "client_id"),
    ("send", {"client_id": 7}, "invalid", "client_id"),
    ("send", {"colour": "red"}, "invalid", "colour"),
    ("edit", {"body": "a\x00b"}, "invalid_text", "body"),
    ("edit", {"body": "\udfff"}, "invalid_text", "body"),
    ("edit", {"body": "x" * 10_001}, "invalid", "body"),
    ("edit", {"body": ["hi"]}, "invalid", "body"),
    ("edit", {"html": "<b>"}, "invalid", "html"),
    ("react", {"emoji": "nope"}, "invalid", "emoji"),
    ("react", {"emoji": "👍\x00"}, "invalid_text", "emoji"),
    ("react", {"emoji": 1}, "invalid", "emoji"),
    ("react", {"on": False}, "invalid", "on"),
    ("move", {"to": "2"}, "invalid", "to"),
    ("move", {"to": DROP}, "invalid", "to"),
    ("read", {"seq": -1}, "invalid", "seq"),
    ("read", {"seq": "3"}, "invalid", "seq"),
    ("read", {"seq": None}, "invalid", "seq"),
]


@pytest.mark.parametrize(("name", "changes", "code", "field"), BAD_INPUT)
def test_bad_input_is_refused_naming_its_field(real, chat, alice, name, changes, code, field):
    method, url, body = real[name]
    body = {k: v for k, v in {**body, **changes}.items() if v is not DROP}
    before = state(chat)

    response = call(token_client(alice), method, url, body)

    assert response.status_code == 400, response.json()
    assert (error_of(response)["code"], error_of(response).get("field")) == (code, field)
    assert state(chat) == before


def test_an_emoji_in_the_path_is_checked_as_in_a_body(message, alice):
    response = call(token_client(alice), "delete", f"{SEND}/{message.pk}/reactions/nope")

    assert response.status_code == 400
    assert error_of(response)["field"] == "emoji"


@pytest.mark.parametrize(
    ("name", "frame"),
    [
        ("edit", "edit"),
        ("delete", "delete"),
        ("react", "react"),
        ("unreact", "react"),
        ("move", "move"),
        ("read", "read"),
    ],
)
def test_each_change_has_the_sockets_rate_limit(settings, real, alice, name, frame):
    action = FRAME_LIMITS[frame]  # what the same frame spends on the socket
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, action: (0.01, 1)}
    script = token_client(alice)

    first = call(script, *real[name])
    second = call(script, *real[name])

    assert first.status_code == 200
    assert second.status_code == 429 and int(second["Retry-After"]) >= 1
    assert error_of(second)["code"] == "rate_limited"
