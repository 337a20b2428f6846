"""Fixtures shared by every test: isolated media, an event listener, users."""

from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from parley.accounts.tests.factories import UserFactory
from parley.core.testing.clients import client_for
from parley.core.testing.database import end_other_sessions
from parley.core.testing.events import EventListener
from parley.core.testing.ratelimits import reset_rate_limits


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with stray sessions ended before it is dropped."""
    yield
    with django_db_blocker.unblock():
        end_other_sessions()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test starts with full token buckets (user ids repeat across test runs)."""
    reset_rate_limits()


@pytest.fixture
def listener(transactional_db) -> Iterator[EventListener]:
    """Events published by actions, read back from the real channel layer.

    Needs real commits (events go out on commit), hence the transactional database.
    """
    async_to_sync(get_channel_layer().flush)()
    events = EventListener()
    yield events
    events.close()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", display_name="Alice Liddell")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", display_name="Bob Marley")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", display_name="Carol King")


@pytest.fixture
def alice_client(alice) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return client_for(bob)
