"""Fixtures of the notification tests: a room with alice and bob, a direct conversation
and a group of alice, bob and carol."""

import pytest

from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.actions.rooms import check_create_room, check_join_room


@pytest.fixture
def room(alice, bob):
    """A public room "Team" owned by alice, with bob as a member (so they may write directly)."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room):
    return room.chats.get(is_default=True)


@pytest.fixture
def direct(alice, bob, room):
    return check_direct_conversation(alice, bob.pk)
