"""Fixtures of the broadcast tests: people, friendships, a room."""

from typing import Any

import pytest

from parley.accounts.models import Block, Friendship
from parley.messaging.actions.rooms import check_create_room, check_join_room


def befriend(a: Any, b: Any) -> None:
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)


def block(blocker: Any, blocked: Any) -> None:
    Block.objects.create(blocker=blocker, blocked=blocked)


@pytest.fixture
def room(alice, bob):
    """A public room "Team" owned by alice, with bob as a member."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room):
    return room.chats.get(is_default=True)
