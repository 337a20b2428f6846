"""The messaging tests' room and chat."""

from parley.messaging.tests.conftest import chat, room

__all__ = ["chat", "room"]
