"""The messaging tests' room and chat, for the files' tests."""

from parley.messaging.tests.conftest import chat, room

__all__ = ["chat", "room"]
