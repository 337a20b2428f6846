"""The REST API against its own OpenAPI document, property-based (schemathesis).

Every operation the document lists, as Django serves it in process, is called with
generated input, valid and not, by alice with a real token (write, then read-only), in a
world with a room, chats, messages, a direct and a group conversation, and people and
conversations she cannot see. schemathesis' checks, all of them: no 5xx; every status
code, content type, header and body as the document declares; valid input not refused
for its shape, invalid input refused; no answer without the token.

CI runs a fixed, bounded sample (derandomised, EXAMPLES per operation and token). A
longer random run, locally:

    PARLEY_SCHEMATHESIS_EXAMPLES=500 PARLEY_SCHEMATHESIS_RANDOM=1 \\
        .venv/bin/python -m pytest -p no:cacheprovider -m openapi parley/api/tests
"""

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData

from parley.accounts.actions.bots import check_create_bot, check_create_bot_token
from parley.accounts.actions.friends import check_send_friend_request
from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.models import FriendRequest, User
from parley.accounts.tests.factories import UserFactory
from parley.broadcasts.actions import check_send_broadcast
from parley.broadcasts.recipients import BroadcastRequest
from parley.calls.actions.start import check_start_call
from parley.files.actions import check_upload
from parley.integrations.outgoing.actions import check_set_bot_endpoint
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.react import check_react
from parley.messaging.actions.rooms import (
    check_create_chat,
    check_create_room,
    check_invite_to_room,
    check_join_room,
)
from parley.messaging.actions.send import check_send_message
from parley.push.actions import check_subscribe

pytestmark = pytest.mark.openapi

EXAMPLES = int(os.environ.get("PARLEY_SCHEMATHESIS_EXAMPLES", "15"))
RANDOM = bool(os.environ.get("PARLEY_SCHEMATHESIS_RANDOM"))
# A browser's push key (a P-256 point), for subscriptions in the world.
PUSH_P256DH = (
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
)

# What the generated cases aim at, set by `signed_in` for the test running: known ids and
# words per parameter name, and the token signing the requests in.
AIM: dict[str, Any] = {}
# The methods tried and whether any answer was a success, for the test running.
TRIED: set[str] = set()
SUCCEEDED: list[int] = []


@pytest.fixture
def world(alice, bob, carol) -> dict[str, Any]:
    """alice's room with bob and carol (two chats; messages: edited, a reply, a reaction,
    a mention; an invitation to dave), her direct conversation with bob, a group of the
    three, her friend bob, carol's friend request to her and hers to dave, her bot with a
    token and an endpoint, a broadcast of hers and one of bob's, a call in her room's chat
    and one in bob's direct conversation with dave, bob's public rooms (one
    she is in, one she may join) and his private one she is invited to; and bob's direct
    conversation with dave and bot, which she cannot see. Returns what to aim at."""
    dave: User = UserFactory.create(username="dave", display_name="Dave Brubeck")
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    check_join_room(carol, room)
    elsewhere = check_create_room(bob, title="Elsewhere")
    check_join_room(dave, elsewhere)
    hideout = check_create_room(bob, title="Hideout", is_public=False)
    lounge = check_create_room(bob, title="Lounge")
    check_join_room(alice, lounge)
    to_alice = check_invite_to_room(bob, hideout, alice)
    to_dave = check_invite_to_room(alice, room, dave)
    general = room.chats.get(is_default=True)
    dev = check_create_chat(alice, room, title="dev")
    client_ids = (f"w{n}" for n in itertools.count())

    def send(user, body: str, **to: Any):
        return check_send_message(user, client_id=next(client_ids), body=body, **to).message

    first = send(alice, "Hello **team**, see https://example.org", conversation_id=general.pk)
    edited = send(bob, "a typo", conversation_id=general.pk)
    check_edit_message(bob, edited.pk, "no typo")
    reply = send(alice, "@bob thanks", conversation_id=general.pk, reply_to=first.pk)
    check_react(bob, first.pk, "👍", True)
    send(bob, "`code`", conversation_id=dev.pk)
    direct = send(alice, "psst", to_user_id=bob.pk)
    group = check_create_group(alice, [bob.pk, carol.pk], title="Trio")
    send(carol, "hi both", conversation_id=group.pk)
    theirs = send(bob, "not for alice", to_user_id=dave.pk)
    check_send_friend_request(bob, alice)
    check_send_friend_request(alice, bob)  # accepts bob's
    check_send_friend_request(carol, alice)
    check_send_friend_request(alice, dave)
    requests = FriendRequest.objects.order_by("pk")
    spare, _ = check_create_api_token(alice, name="spare", scope="read", expires_in_days=30)
    bobs, _ = check_create_api_token(bob, name="bob's", scope="write", expires_in_days=None)
    bot = check_create_bot(alice, username="deploy-bot", display_name="Deploy")
    check_set_bot_endpoint(alice, bot.pk, "https://bots.example.org/parley")
    bots_token, _ = check_create_bot_token(
        alice, bot.pk, name="ci", scope="write", expires_in_days=None
    )
    bobs_bot = check_create_bot(bob, username="bobs-bot", display_name="")
    sent = check_send_broadcast(BroadcastRequest(alice, "w-b", "to bob", people=[bob.pk]))
    bobs_broadcast = check_send_broadcast(BroadcastRequest(bob, "w-b", "hi", people=[alice.pk]))
    shared = check_upload(alice, general.pk, SimpleUploadedFile("a.txt", b"notes\n"))
    send(alice, "notes", conversation_id=general.pk, attachments=[shared.pk])
    pending = check_upload(alice, general.pk, SimpleUploadedFile("b.txt", b"more\n"))
    bobs_file = check_upload(bob, dev.pk, SimpleUploadedFile("c.txt", b"bob's\n"))
    ours_call = check_start_call(alice, "socket.world", general.pk, "voice").call
    theirs_call = check_start_call(bob, "socket.world", theirs.conversation_id, "voice").call
    browser = {"p256dh": PUSH_P256DH, "auth": "tBHItJI5svbpez7KI4CCXg"}
    pushed, _ = check_subscribe(alice, endpoint="https://push.example.net/a", **browser)
    bobs_pushed, _ = check_subscribe(bob, endpoint="https://push.example.net/b", **browser)
    conversations = [general.pk, dev.pk, direct.conversation_id, group.pk]
    conversations += [theirs.conversation_id, elsewhere.chats.get(is_default=True).pk]
    return {
        "conversation_id": conversations,
        "conversation": conversations,
        "message_id": [first.pk, edited.pk, reply.pk, direct.pk, theirs.pk],
        "attachment_id": [shared.pk, pending.pk, bobs_file.pk],
        "call_id": [ours_call["id"], theirs_call["id"]],
        "attachments": [[pending.pk], [bobs_file.pk]],
        "reply_to": [first.pk],
        "token_id": [spare.pk, bobs.pk, bots_token.pk],
        "bot_id": [bot.pk, bobs_bot.pk],
        "broadcast_id": [sent.broadcast.pk, bobs_broadcast.broadcast.pk],
        "room_id": [room.pk, lounge.pk, elsewhere.pk, hideout.pk],
        "invite_id": [to_alice.pk, to_dave.pk],
        "request_id": [request.pk for request in requests],
        "user_id": [bob.pk, dave.pk],
        "chat_id": [dev.pk],
        "username": ["bob", "carol", "dave"],
        "emoji": ["👍", "🎉"],
        "people": [[bob.pk, carol.pk], [dave.pk]],
        "to": [dev.pk, bob.pk],
        "subscription_id": [pushed.pk, bobs_pushed.pk],
        "together": [
            {"bot_id": bot.pk, "token_id": bots_token.pk},
            {"room_id": room.pk, "chat_id": dev.pk},
            {"room_id": room.pk, "invite_id": to_dave.pk},
            {"room_id": room.pk, "user_id": bob.pk},
        ],
        # Whole valid cases, where fields must agree.
        "cases": {
            "POST /api/v1/messages": [
                {"body": {"conversation": general.pk, "body": "hi", "client_id": "s-1"}},
                {"body": {"to": carol.pk, "body": "hi", "client_id": "s-2"}},
                {
                    "body": {
                        "conversation": general.pk,
                        "body": "",
                        "client_id": "s-3",
                        "attachments": [pending.pk],
                    }
                },
            ],
            "POST /api/v1/rooms/{room_id}/invites": [
                {"path_parameters": {"room_id": room.pk}, "body": {"username": "dave"}}
            ],
            "POST /api/v1/broadcasts": [
                {
                    "body": {
                        "client_id": "b-1",
                        "body": "to all",
                        "people": [bob.pk, carol.pk],
                        "rooms": [{"room": room.pk, "chat": dev.pk}],
                        "members_of": [lounge.pk],
                    }
                },
                {"body": {"client_id": "b-2", "body": "friends", "friends": True}},
            ],
            "POST /api/v1/push/subscriptions": [
                {"body": {"endpoint": "https://push.example.net/c", "keys": browser}}
            ],
            "POST /api/v1/groups/{conversation_id}/people": [
                {"path_parameters": {"conversation_id": group.pk}, "body": {"people": [bob.pk]}}
            ],
        },
        "q": ["hello", "bo", "typo from:bob", "team has:link", "is:unread"],
    }


@pytest.fixture(params=["write", "read"])
def signed_in(request, world, alice, settings) -> Iterator[str]:
    """alice's token as an Authorization header, with rate limits out of the way; after
    the test, some request must have succeeded (a read token's writes excepted)."""
    settings.RATE_LIMITS = {name: (1000.0, 1000) for name in settings.RATE_LIMITS}
    token, text = check_create_api_token(
        alice, name="schemathesis", scope=request.param, expires_in_days=None
    )
    AIM.update(world, signing_token=token.pk)
    TRIED.clear()
    SUCCEEDED.clear()
    # Django's handler closes the connection after each request, which would end the
    # test's transaction; its own test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield f"Bearer {text}"
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        AIM.clear()
    reads_only = request.param == "read" and TRIED.isdisjoint({"GET"})
    assert SUCCEEDED or reads_only, f"no {TRIED} request succeeded: the run aims at nothing"


# The live document, as a client fetches it from Django's WSGI handler.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
# The API refuses text with a NUL character (its description says so): valid strings here
# have none.
schema.config.generation.update(allow_x00=False)


@schema.hook
def flatmap_case(context, case):
    """Valid fuzzed cases aim at the world: its ids always (random ones are 404, which the
    coverage phase's and the invalid cases' ids try already), its words as often as not
    (random ones find nothing)."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return st.just(case)
    path = case.path_parameters
    # Ids that belong together (a room and its chat), where a path has several; or else
    # every combination of the world's.
    aimed = [
        _with_all(case, ids) for ids in AIM["together"] if len(path) > 1 and set(path) <= set(ids)
    ]
    if not aimed:
        known = [[(name, value) for value in AIM[name]] for name in path if name in AIM]
        aimed = [_with_all(case, dict(pairs)) for pairs in itertools.product(*known) if pairs]
    # Whole cases where fields must agree (a send: to a conversation or a user, not both).
    whole = AIM["cases"].get(f"{case.method.upper()} {case.path}", [])
    variants = [_with_all(case, given) for given in whole] + (aimed or [case])
    for base in aimed or [case]:
        for where in ("query", "body"):
            given = getattr(base, where)
            for name in given if isinstance(given, dict) else ():
                variants += [_with(base, where, name, value) for value in AIM.get(name, [])]
    return st.sampled_from(variants)


@schema.hook
def filter_failure(context, failure, case, response) -> bool:
    """Refusals of schema-valid input that the document can only describe in words:
    search's `q`, a query language (docs/search.md); `after`, an opaque cursor that only
    a previous page's `next` is; a reaction's `emoji` (one emoji); a group's `people`
    (friends or roommates, not you); a broadcast's `people`, `rooms` and `members_of`
    (at least one recipient, within the configured maxima, no room twice, a chat of its
    room); a bot's `endpoint_url` (an http(s) URL with a host name and no credentials); a
    send's `attachments` (your uploads to that conversation not sent yet) and its `body`
    (empty only with attachments); an upload's `file` (its content: not empty, not claiming
    to be an image it is not) and `name` (not a path, no control characters:
    docs/files.md); and a 400 naming no field, which refuses what the
    request asks of the world as it is (a message already deleted, or moved where it is,
    a group that is a chat), not its shape. A push subscription's `endpoint` (an https URL
    with a host), `p256dh` (a P-256 point) and `auth` (16 bytes) likewise."""
    if not isinstance(failure, RejectedPositiveData):
        return True
    field = response.json()["error"].get("field")
    in_words = {
        "after",
        "emoji",
        "people",
        "rooms",
        "members_of",
        "endpoint_url",
        "endpoint",
        "p256dh",
        "auth",
    } | ({"q"} if case.operation.path.endswith("/search") else set())
    if case.operation.path == "/api/v1/messages" and case.method.upper() == "POST":
        in_words |= {"attachments", "body"}
    if case.operation.path.endswith("/attachments"):
        in_words |= {"file", "name"}
    return field is not None and field not in in_words


def _with_all(case, given: dict[str, Any]):
    """`case` with these path parameters (ids) or these parts (path_parameters, body)."""
    copy = case.derive(keep_auth=True)
    if given.keys() <= {"path_parameters", "body"}:
        copy.path_parameters.update(given.get("path_parameters", {}))
        copy.body = given.get("body", copy.body)
    else:
        copy.path_parameters.update(given)
    return copy


def _with(case, where: str, name: str, value: Any):
    copy = case.derive(keep_auth=True)
    getattr(copy, where)[name] = value
    return copy


def _keep_signed_in(case):
    """The same case, unless it would revoke the run's own token (signing the rest out)."""
    if case.path_parameters.get("token_id") != AIM["signing_token"]:
        return case
    return _with(case, "path_parameters", "token_id", AIM["token_id"][0])


def _one_cursor(case):
    """A valid case, kept to a rule history's description states that OpenAPI has no
    words for: one of before, after and around, and anchor with neither before nor after."""
    cursors = [name for name in ("before", "after", "around") if name in case.query]
    extra = cursors[1:] + (["anchor"] if cursors[:1] in (["before"], ["after"]) else [])
    if not any(name in case.query for name in extra):
        return case
    query = {name: value for name, value in case.query.items() if name not in extra}
    return case.derive(query=query, keep_auth=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_document_says(case, signed_in):
    case = _keep_signed_in(case)
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        case = _one_cursor(case)

    response = case.call_and_validate(headers={"Authorization": signed_in})

    TRIED.add(case.operation.method.upper())
    if response.status_code < 300:
        SUCCEEDED.append(response.status_code)
