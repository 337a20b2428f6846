"""Rooms and messages for search tests, made through the real actions.

Search tests commit (transactional_db): MariaDB's FULLTEXT index sees only committed
rows, and every database should be tested the way it is used.
"""

import itertools

import pytest
from django.db import connection

from parley.accounts.models import User
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.actions.send import do_send_message
from parley.messaging.models import Conversation, Message, Room
from parley.search.selectors import search_messages

_client_ids = itertools.count(1)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ranking and ts_headline are PostgreSQL's"
)


def say(sender: User, conversation: Conversation, body: str) -> Message:
    return do_send_message(sender, conversation, f"s-{next(_client_ids)}", body)


def found(user: User, query: str, page: int = 1) -> list[str]:
    """The bodies of the messages `user` finds, in result order."""
    return [r.message.body for r in search_messages(user, query, page).results]


@pytest.fixture
def room(transactional_db, alice, bob) -> Room:
    room = check_create_room(alice, title="Design Team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room) -> Conversation:
    return room.chats.get()
