"""The socket's reads, called directly against the database: what a connect, a resync
and a gap fill learn."""

from importlib import import_module

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY

from parley.accounts.tests.factories import UserFactory
from parley.messaging.actions.rooms import check_leave_room
from parley.messaging.actions.send import check_send_message
from parley.realtime import reads

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user):
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session


async def test_membership_is_the_user_s_conversations_while_the_session_signs_them_in(
    room, chat, bob
):
    session = await sync_to_async(signed_in)(bob)
    assert await reads.membership(bob, {"session": session}) == [chat.pk]
    assert await reads.membership(bob, {}) == [chat.pk]  # no session: signed in otherwise


async def test_membership_is_none_once_the_session_no_longer_signs_them_in(room, bob):
    session = await sync_to_async(signed_in)(bob)

    def change_password() -> None:
        bob.set_password("a new password for bob")
        bob.save()

    await sync_to_async(change_password)()
    assert await reads.membership(bob, {"session": session}) is None


async def test_membership_is_none_for_a_deactivated_user_and_empty_for_one_in_nothing(
    room, chat, alice, bob
):
    carol = await sync_to_async(UserFactory)(username="carol")
    session = await sync_to_async(signed_in)(carol)
    assert await reads.membership(carol, {"session": session}) == []  # signed in, no chats
    bob_session = await sync_to_async(signed_in)(bob)

    def deactivate() -> None:
        bob.is_active = False
        bob.save()

    await sync_to_async(deactivate)()
    assert await reads.membership(bob, {"session": bob_session}) is None


async def test_state_is_hello_s_conversations_and_presence_reach(room, chat, alice, bob):
    summaries, reach, ringing = await reads.state(bob)
    assert [(s["id"], s["room"]["id"]) for s in summaries] == [(chat.pk, room.pk)]
    assert alice.pk in reach.audience and bob.pk not in reach.audience
    assert ringing == []  # no call rings for bob


async def test_missed_is_what_came_after_a_seq_and_none_for_a_non_member(room, chat, alice, bob):
    def send(n: int) -> int:
        result = check_send_message(alice, client_id=f"c{n}", body=f"m{n}", conversation_id=chat.pk)
        return int(result.message.seq)

    first, second, third = [await sync_to_async(send)(n) for n in range(3)]
    missed = await reads.missed(bob.pk, chat.pk, first, third)
    assert [seq for seq, _ in missed or []] == [second, third]
    assert [seq for seq, _ in await reads.missed(bob.pk, chat.pk, first, None) or []] == [
        second,
        third,
    ]
    await sync_to_async(check_leave_room)(bob, room)
    assert await reads.missed(bob.pk, chat.pk, first, None) is None
