"""Fixtures shared by the messaging tests."""

import pytest

from parley.messaging.actions.rooms import check_create_room, check_join_room


@pytest.fixture
def room(alice, bob):
    """A public room "Team" owned by alice, with bob as a member."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room):
    """The room's default chat, "general"."""
    return room.chats.get(is_default=True)
