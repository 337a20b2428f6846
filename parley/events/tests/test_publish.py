"""Publishing from sync code outside the server: events reach the channel layer."""

import asyncio

import pytest

from parley.events import catalogue
from parley.events.publish import publish_to_users


def test_sync_code_on_a_thread_that_runs_an_event_loop_still_publishes(
    listener, alice, monkeypatch: pytest.MonkeyPatch
):
    # A sync browser test's setup runs on Playwright's event loop thread, where
    # async_to_sync refuses to run: its events used to be logged as lost.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM on that thread
    listener.subscribe(alice)

    async def sync_code_inside_a_running_loop() -> None:
        publish_to_users([alice.pk], catalogue.CallRingStopped(call=7, reason="accepted"))

    asyncio.run(sync_code_inside_a_running_loop())

    assert listener.events_for(alice) == [
        {"type": "call.ring_stopped", "call": 7, "reason": "accepted"}
    ]
