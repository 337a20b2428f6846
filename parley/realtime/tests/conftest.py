"""Fixtures of the socket tests: a fresh channel layer for each test, a room and its chat."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from parley.messaging.actions.rooms import check_create_room, check_join_room


@pytest.fixture(autouse=True)
def _fresh_layer():
    async_to_sync(get_channel_layer().flush)()


@pytest.fixture
def room(transactional_db, alice, bob):
    """A public room "Team" owned by alice, with bob as a member."""
    room = check_create_room(alice, title="Team", description="Our team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room):
    """The room's default chat."""
    return room.chats.get(is_default=True)


@pytest.fixture
def short_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hold ends by its timer almost at once: a resume that comes now comes
    late, and a client that never resumes hears live events without waiting 10 s."""
    monkeypatch.setattr("parley.realtime.following.HOLD_SECONDS", 0.05)
