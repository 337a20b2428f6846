"""Who may send where, one table of cases through every path that decides it.

SEND_RULES (parley/messaging/access.py) are stated once, and decided in two places: by
access_for_send for a send that goes alone, and by the batch statement for plain sends
on PostgreSQL (on Django's connection, or on the event loop's own). Every case below goes
through every path, the public ones (one send, a batch in a thread, a batch on the event
loop, a send addressed to a person) and each decider alone, and must come out the same:
stored, or refused with the same code and message and nothing stored.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import override_settings

from parley.accounts.actions.friends import (
    check_accept_friend_request,
    check_block_user,
    check_send_friend_request,
)
from parley.accounts.models import User
from parley.accounts.tests.factories import UserFactory
from parley.core.errors import ParleyError
from parley.messaging.access import SEND_RULES, access_for_send
from parley.messaging.actions import send
from parley.messaging.actions._send_batch import finish_batch, prepare_batch, store_batch
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.rooms import (
    check_archive_room,
    check_create_room,
    check_join_room,
    check_leave_room,
    check_remove_member,
)
from parley.messaging.actions.send import (
    SendRequest,
    SendResult,
    check_send_message,
    check_send_messages,
)
from parley.messaging.models import Conversation, Message, Room
from parley.realtime import sending

pytestmark = pytest.mark.django_db(transaction=True)

NOT_A_MEMBER = ("not_found", "That conversation was not found.")
ARCHIVED = ("forbidden", "This room is archived; it is read-only.")
BLOCKED = ("forbidden", "You can't message this person.")
GONE = ("not_found", "That person was not found.")

Outcome = tuple[str, str] | None  # None: stored

_names = count()


def person() -> User:
    n = next(_names)
    user: User = UserFactory.create(username=f"p{n}", display_name=f"Person {n}")
    return user


def deactivate(user: User) -> None:
    user.is_active = False
    user.save()


def a_room(*members: User, archived: bool = False) -> Conversation:
    """A room of `members` (the first owns it); its default chat."""
    owner, *others = members
    room = check_create_room(owner, title=f"Room {next(_names)}")
    for member in others:
        check_join_room(member, room)
    if archived:
        check_archive_room(owner, room)
    return room.chats.select_related("room").get()


def room_of(chat: Conversation) -> Room:
    assert chat.room is not None
    return chat.room


def befriend(a: User, b: User) -> None:
    check_send_friend_request(a, b)
    check_accept_friend_request(b, b.received_friend_requests.get().pk)


def a_direct(a: User, b: User) -> Conversation:
    befriend(a, b)
    message = check_send_message(a, to_user_id=b.pk, client_id="first", body="hi").message
    return Conversation.objects.get(pk=message.conversation_id)


def a_group(a: User, b: User, c: User) -> Conversation:
    befriend(a, b)
    befriend(a, c)
    return check_create_group(a, [b.pk, c.pk])


@dataclass(frozen=True)
class Send:
    """A case set up: who sends where; `other` for a direct conversation (the person
    the send may also be addressed to)."""

    sender: User
    conversation_id: int
    other: User | None = None


def member_of_a_room() -> Send:
    sender = person()
    return Send(sender, a_room(person(), sender).pk)


def owner_of_a_room() -> Send:
    sender = person()
    return Send(sender, a_room(sender, person()).pk)


def not_a_member() -> Send:
    return Send(person(), a_room(person(), person()).pk)


def no_such_conversation() -> Send:
    return Send(person(), 10**9)


def removed_from_the_room() -> Send:
    owner, sender = person(), person()
    chat = a_room(owner, sender)
    check_remove_member(owner, room_of(chat), sender.pk)
    return Send(sender, chat.pk)


def left_the_room() -> Send:
    sender = person()
    chat = a_room(person(), sender)
    check_leave_room(sender, room_of(chat))
    return Send(sender, chat.pk)


def back_in_the_room() -> Send:
    owner, sender = person(), person()
    chat = a_room(owner, sender)
    check_remove_member(owner, room_of(chat), sender.pk)
    check_join_room(sender, room_of(chat))
    return Send(sender, chat.pk)


def an_archived_room() -> Send:
    sender = person()
    return Send(sender, a_room(person(), sender, archived=True).pk)


def an_archived_room_not_a_member() -> Send:
    return Send(person(), a_room(person(), person(), archived=True).pk)


def a_deactivated_sender() -> Send:
    sender = person()
    chat = a_room(person(), sender)
    deactivate(sender)
    return Send(sender, chat.pk)


def a_direct_conversation() -> Send:
    sender, other = person(), person()
    return Send(sender, a_direct(sender, other).pk, other)


def blocked_the_other() -> Send:
    sender, other = person(), person()
    conversation = a_direct(sender, other)
    check_block_user(sender, other)
    return Send(sender, conversation.pk, other)


def blocked_by_the_other() -> Send:
    sender, other = person(), person()
    conversation = a_direct(sender, other)
    check_block_user(other, sender)
    return Send(sender, conversation.pk, other)


def the_other_is_deactivated() -> Send:
    sender, other = person(), person()
    conversation = a_direct(sender, other)
    deactivate(other)
    return Send(sender, conversation.pk, other)


def deactivated_sender_of_a_direct() -> Send:
    sender, other = person(), person()
    conversation = a_direct(sender, other)
    deactivate(sender)
    return Send(sender, conversation.pk, other)


def someone_elses_direct() -> Send:
    return Send(person(), a_direct(person(), person()).pk)


def a_block_in_a_room() -> Send:
    sender, other = person(), person()
    chat = a_room(other, sender)
    check_block_user(other, sender)
    return Send(sender, chat.pk)


def member_of_a_group() -> Send:
    sender = person()
    return Send(sender, a_group(sender, person(), person()).pk)


def a_block_in_a_group() -> Send:
    sender, other = person(), person()
    group = a_group(sender, other, person())
    check_block_user(other, sender)
    return Send(sender, group.pk)


def a_deactivated_member_of_a_group() -> Send:
    sender, other = person(), person()
    group = a_group(sender, other, person())
    deactivate(other)
    return Send(sender, group.pk)


@dataclass(frozen=True)
class Case:
    setup: Callable[[], Send]
    outcome: Outcome
    # Addressed to the person instead (direct conversations only), when that differs.
    by_person: Outcome = None


CASES = {
    "a member of a room": Case(member_of_a_room, None),
    "the owner of a room": Case(owner_of_a_room, None),
    "not a member": Case(not_a_member, NOT_A_MEMBER),
    "no such conversation": Case(no_such_conversation, NOT_A_MEMBER),
    "removed from the room": Case(removed_from_the_room, NOT_A_MEMBER),
    "left the room": Case(left_the_room, NOT_A_MEMBER),
    "removed, then joined again": Case(back_in_the_room, None),
    "an archived room": Case(an_archived_room, ARCHIVED),
    "an archived room, not a member": Case(an_archived_room_not_a_member, NOT_A_MEMBER),
    "a deactivated sender": Case(a_deactivated_sender, NOT_A_MEMBER),
    "a direct conversation": Case(a_direct_conversation, None),
    "blocked the other person": Case(
        blocked_the_other, BLOCKED, by_person=("forbidden", "You can't message {other}.")
    ),
    "blocked by the other person": Case(
        blocked_by_the_other, BLOCKED, by_person=("forbidden", "You can't message {other}.")
    ),
    "the other person is deactivated": Case(the_other_is_deactivated, GONE, by_person=GONE),
    "a deactivated sender, direct": Case(
        deactivated_sender_of_a_direct, NOT_A_MEMBER, by_person=NOT_A_MEMBER
    ),
    "someone else's direct conversation": Case(someone_elses_direct, NOT_A_MEMBER),
    "a block between members of a room": Case(a_block_in_a_room, None),
    "a group conversation": Case(member_of_a_group, None),
    "a block within a group": Case(a_block_in_a_group, None),
    "a deactivated member of a group": Case(a_deactivated_member_of_a_group, None),
}


def test_the_table_covers_every_rule():
    """Every rule's refusal is the outcome of some case, and no case expects another."""
    refusals = {(error.code, error.message) for error in (rule.refusal() for rule in SEND_RULES)}
    assert refusals == {case.outcome for case in CASES.values()} - {None}


# --- The paths ------------------------------------------------------------------------
# Each takes a send and gives its outcome: None when stored, else (code, message); the
# statement alone gives "refused" for a send it did not store.


def outcome_of(result: SendResult | ParleyError) -> Outcome:
    if isinstance(result, ParleyError):
        return (str(result.code), result.message)
    assert result.created
    return None


def the_rules(request: SendRequest) -> Outcome:
    """access_for_send: the rules as a send that goes alone meets them."""
    assert request.conversation_id is not None
    try:
        access_for_send(request.sender, request.conversation_id)
    except ParleyError as error:
        return outcome_of(error)
    return None


def one_send(request: SendRequest) -> Outcome:
    try:
        result = check_send_message(
            request.sender,
            client_id=request.client_id,
            body=request.body,
            conversation_id=request.conversation_id,
            to_user_id=request.to_user_id,
        )
    except ParleyError as error:
        return outcome_of(error)
    return outcome_of(result)


def one_send_alone(request: SendRequest) -> Outcome:
    """A send that never goes in the statement (it may mention someone): the rules, then
    do_send_message."""
    return one_send(_with_body(request, "hi @nobody"))


def a_batch_in_a_thread(request: SendRequest) -> Outcome:
    return _amid_others(check_send_messages([_fine(), request, _fine()]))


async def _on_the_loop(requests: list[SendRequest]) -> list[SendResult | ParleyError]:
    batch = await prepare_batch(requests)
    await store_batch(batch)
    return await finish_batch(batch, sending._in_thread)


def a_batch_on_the_loop(request: SendRequest) -> Outcome:
    return _amid_others(async_to_sync(_on_the_loop)([_fine(), request, _fine()]))


def _amid_others(results: list[SendResult | ParleyError]) -> Outcome:
    """The outcome of the middle send of three, the other two being stored."""
    before, outcome, after = (outcome_of(result) for result in results)
    assert before is None and after is None
    return outcome


_fine_sends = count()


def _fine() -> SendRequest:
    """A send that is allowed, to make a batch of several: to a room of its own."""
    sender = person()
    chat = a_room(sender).pk
    return SendRequest(sender, f"fine-{next(_fine_sends)}", "fine", conversation_id=chat)


def the_statement_on_the_loop(request: SendRequest) -> Outcome | str:
    async def store() -> send.Batch:
        batch = await prepare_batch([request])
        await store_batch(batch)
        return batch

    return None if async_to_sync(store)().rows else "refused"


def the_statement_on_djangos_connection(request: SendRequest) -> Outcome | str:
    """What check_send_messages stores by the statement (rate limits left out)."""
    results, valid = send._checked([request])
    batch = send._prepared([request], results, valid, [0.0] * len(valid))
    return None if send._store_plain(batch) else "refused"


PATHS: dict[str, Callable[[SendRequest], Any]] = {
    "the rules alone": the_rules,
    "one send": one_send,
    "one send that goes alone": one_send_alone,
    "a batch in a thread": a_batch_in_a_thread,
    "a batch on the event loop": a_batch_on_the_loop,
}
# PostgreSQL's only: elsewhere every send goes alone.
STATEMENTS = {
    "the statement on the event loop": the_statement_on_the_loop,
    "the statement on Django's connection": the_statement_on_djangos_connection,
}


def _with_body(request: SendRequest, body: str) -> SendRequest:
    return SendRequest(request.sender, request.client_id, body, request.conversation_id)


def _stored(sender: User, client_id: str) -> bool:
    return Message.objects.filter(sender=sender, client_id=client_id).exists()


def _last_seq(conversation_id: int) -> int | None:
    return (
        Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True).first()
    )


def _expect(outcome: Outcome, other: User | None) -> Outcome:
    if outcome is None or other is None:
        return outcome
    return (outcome[0], outcome[1].format(other=other.name))


@pytest.mark.parametrize("name", CASES)
@override_settings(SEND_RATE_BURST=1000)
def test_every_path_decides_a_send_alike(name):
    case = CASES[name]
    send_ = case.setup()
    paths = dict(PATHS)
    if connection.vendor == "postgresql":
        paths.update(STATEMENTS)
    for n, (path, run) in enumerate(paths.items()):
        client_id = f"case-{n}"
        request = SendRequest(
            send_.sender, client_id, "hello", conversation_id=send_.conversation_id
        )
        before = _last_seq(send_.conversation_id)

        got = run(request)

        # A statement alone cannot say why it refused a send: it stores no row for it.
        expected = case.outcome if path not in STATEMENTS else case.outcome and "refused"
        assert got == expected, path
        if path == "the rules alone":
            continue
        stored = _stored(send_.sender, client_id)
        assert stored == (case.outcome is None), path
        if before is not None:
            assert _last_seq(send_.conversation_id) == before + stored, path
    if send_.other is not None:
        client_id = "case-by-person"
        request = SendRequest(send_.sender, client_id, "hello", to_user_id=send_.other.pk)
        expected = _expect(case.by_person or case.outcome, send_.other)
        assert one_send(request) == expected, "addressed to the person"
        assert _stored(send_.sender, client_id) == (expected is None)


@pytest.mark.parametrize("where", ["in a thread", "on the event loop"])
@override_settings(SEND_RATE_BURST=1000)
def test_one_batch_of_every_case_gives_each_its_own_outcome(where):
    """Every case in one batch (on PostgreSQL in one statement, then the refused ones
    alone): each comes out as it does alone, and only the allowed ones are stored."""
    sends = {name: case.setup() for name, case in CASES.items()}
    requests = [
        SendRequest(s.sender, f"all-{n}", "hello", conversation_id=s.conversation_id)
        for n, s in enumerate(sends.values())
    ]

    if where == "in a thread":
        results = check_send_messages(requests)
    else:
        results = async_to_sync(_on_the_loop)(requests)

    assert {name: outcome_of(r) for name, r in zip(CASES, results, strict=True)} == {
        name: case.outcome for name, case in CASES.items()
    }
    stored = Message.objects.filter(client_id__startswith="all-").values_list("client_id")
    allowed = zip(requests, CASES.values(), strict=True)
    assert {c for (c,) in stored} == {r.client_id for r, case in allowed if case.outcome is None}
