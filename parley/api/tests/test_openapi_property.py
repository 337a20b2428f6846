"""The REST API against its own OpenAPI document, property-based (schemathesis).

Every operation the document lists is called with generated input, valid and not, by
alice with a real token (write, then read-only) over a world with a room, chats,
messages, a direct and a group conversation and people she shares nothing with. Every
answer must be no 5xx, a status code and content type the document declares, and a
body that matches the declared schema; valid input must not be refused for its shape,
and invalid input must be.

CI runs a fixed, bounded sample (derandomised, a few examples per operation). A longer
random run, locally:

    PARLEY_SCHEMATHESIS_EXAMPLES=500 PARLEY_SCHEMATHESIS_RANDOM=1 \\
        .venv/bin/python -m pytest -p no:cacheprovider -m openapi parley/api/tests
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData

from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.tests.factories import UserFactory
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.groups import create_group
from parley.messaging.actions.react import check_react
from parley.messaging.actions.rooms import create_chat, create_room, join_room
from parley.messaging.actions.send import check_send_message

pytestmark = pytest.mark.openapi

EXAMPLES = int(os.environ.get("PARLEY_SCHEMATHESIS_EXAMPLES", "15"))
RANDOM = bool(os.environ.get("PARLEY_SCHEMATHESIS_RANDOM"))


@pytest.fixture
def world(alice, bob, carol) -> dict[str, Any]:
    """alice's room with bob and carol (two chats; messages: edited, a reply, a reaction,
    a mention), her direct conversation with bob, a group of the three, and bob's room
    and direct conversation with dave that she cannot see. Returns the ids to aim at."""
    dave = UserFactory(username="dave", display_name="Dave Brubeck")
    room = create_room(alice, title="Team")
    join_room(bob, room)
    join_room(carol, room)
    elsewhere = create_room(bob, title="Elsewhere")
    join_room(dave, elsewhere)
    general = room.chats.get(is_default=True)
    dev = create_chat(alice, room, title="dev")

    def send(user, conversation_id=None, to_user_id=None, body="hello", **extra) -> int:
        n = send.count = getattr(send, "count", 0) + 1
        result = check_send_message(
            user,
            client_id=f"w{n}",
            body=body,
            conversation_id=conversation_id,
            to_user_id=to_user_id,
            **extra,
        )
        return result.message.pk

    first = send(alice, general.pk, body="Hello **team**")
    edited = send(bob, general.pk, body="a typo")
    check_edit_message(bob, edited, "no typo")
    reply = send(alice, general.pk, body="@bob thanks", reply_to=first)
    check_react(bob, first, "👍", True)
    send(bob, dev.pk, body="`code`")
    direct = send(alice, to_user_id=bob.pk, body="psst")
    group = create_group(alice, [bob.pk, carol.pk], title="Trio")
    send(carol, group.pk, body="hi both")
    theirs = send(bob, to_user_id=dave.pk, body="not for alice")
    spare, _ = check_create_api_token(alice, name="spare", scope="read", expires_in_days=30)
    bobs, _ = check_create_api_token(bob, name="bob's", scope="write", expires_in_days=None)
    from parley.messaging.models import Message

    conversations = [
        general.pk,
        dev.pk,
        Message.objects.get(pk=direct).conversation_id,
        group.pk,
        Message.objects.get(pk=theirs).conversation_id,
        elsewhere.chats.get(is_default=True).pk,
    ]
    return {
        "conversation_id": conversations,
        "conversation": conversations,
        "message_id": [first, edited, reply, direct, theirs],
        "token_id": [spare.pk, bobs.pk],
    }


# The ids the generated cases aim at, set by the `signed_in` fixture for the test running.
AIM: dict[str, Any] = {}


@pytest.fixture(params=["write", "read"])
def signed_in(request, world, alice, settings) -> Iterator[str]:
    """alice's token (write, then read-only) as an Authorization header, with rate limits
    out of the way and the world's ids to aim at."""
    settings.RATE_LIMITS = {name: (1000.0, 1000) for name in settings.RATE_LIMITS}
    token, text = check_create_api_token(
        alice, name="schemathesis", scope=request.param, expires_in_days=None
    )
    AIM.clear()
    AIM.update(world, signing_token=token.pk)
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


# The live document, served in process by Django's WSGI handler, as a client fetches it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
# The API stores text, and refuses any with a NUL character in it (its description says
# so): a valid string here has none.
schema.config.generation.update(allow_x00=False)


@schema.hook
def flatmap_case(context, case):
    """Valid cases aim at the world's ids as often as not (random ids are mostly 404)."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return st.just(case)
    return st.sampled_from(_aimed(case))


def _one_cursor(case):
    """History takes one of before, after and around, and anchor with neither before nor
    after: a rule its description states that OpenAPI has no words for."""
    cursors = [name for name in ("before", "after", "around") if name in (case.query or {})]
    extra = cursors[1:] + (["anchor"] if cursors[:1] in (["before"], ["after"]) else [])
    if not any(name in case.query for name in extra):
        return case
    return case.derive(
        query={k: v for k, v in case.query.items() if k not in extra}, keep_auth=True
    )


@schema.hook
def filter_failure(context, failure, case, response) -> bool:
    """Search's `q` is a query language (docs/search.md) whose grammar the document can
    only name: its refusals of a well-formed string are not the document's to promise."""
    refused_query = (
        isinstance(failure, RejectedPositiveData)
        and case.operation.path == "/api/v1/search"
        and response.json()["error"].get("field") == "q"
    )
    return not refused_query


def _aimed(case) -> list:
    variants = [case]
    for name in case.path_parameters or {}:
        variants += [_with(case, "path_parameters", name, known) for known in AIM.get(name, [])]
    if isinstance(case.body, dict) and case.body.get("conversation") is not None:
        variants += [_with(case, "body", "conversation", known) for known in AIM["conversation"]]
    if (case.path_parameters or {}).get("token_id") == AIM["signing_token"]:
        variants = variants[1:]  # revoking it would sign the rest of the run out
    return variants


def _with(case, where, name, value):
    copy = case.derive(keep_auth=True)
    getattr(copy, where)[name] = value
    return copy


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_document_says(case, signed_in):
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        case = _one_cursor(case)
    case.call_and_validate(headers={"Authorization": signed_in})
