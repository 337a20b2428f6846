"""The messaging tests' room and chat, for the API's tests."""

from parley.messaging.tests.conftest import chat, room

__all__ = ["chat", "room"]
