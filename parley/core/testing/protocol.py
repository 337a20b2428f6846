"""Every event a test receives, checked against the event catalogue on its way in.

As Zulip's verify_action checks each action's events against its event_types: an event
whose shape drifted from parley.events.catalogue (and so from docs/protocol.md, whose
examples are checked against the same catalogue) fails the test that received it. Every
helper that reads frames from a socket or events from the channel layer goes through
received().
"""

import json
from typing import Any

import msgspec

from parley.events.catalogue import validate


def received(text: str | bytes) -> dict[str, Any]:
    """The event the server sent as `text`, decoded; fails the test if it is not one of
    the catalogue's, exactly (no field missing, none unknown, each of its type)."""
    event = json.loads(text)
    try:
        validate(event)
    except msgspec.ValidationError as error:
        kind = event.get("type") if isinstance(event, dict) else None
        raise AssertionError(
            f"the server sent a {kind!r} event that is not in the catalogue "
            f"(parley/events/catalogue.py): {error}\n{text!r}"
        ) from None
    assert isinstance(event, dict)
    return event
