"""Parley's channel layers: the in-process one (group fan-out, capacity, membership) and
the batched publish of whichever is configured."""

import pytest
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers

from parley.realtime.layers import InMemoryLayer


@pytest.fixture
def layer() -> InMemoryLayer:
    return InMemoryLayer(capacity=2)


async def test_a_group_send_reaches_every_member_once_and_no_one_else(layer):
    members = [await layer.new_channel() for _ in range(3)]
    outsider = await layer.new_channel()
    for channel in members:
        await layer.group_add("conversation.1", channel)

    await layer.group_send("conversation.1", {"type": "parley.event", "payload": "hi"})

    for channel in members:
        assert await layer.receive(channel) == {"type": "parley.event", "payload": "hi"}
    await layer.send(outsider, {"type": "probe"})
    assert await layer.receive(outsider) == {"type": "probe"}  # nothing came before it


async def test_a_full_channel_drops_the_message_and_the_others_still_get_it(layer):
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, fast):
        await layer.group_add("g", channel)

    for n in range(3):
        await layer.group_send("g", {"type": "m", "n": n})
        assert (await layer.receive(fast))["n"] == n

    assert [(await layer.receive(slow))["n"] for _ in range(2)] == [0, 1]  # capacity 2


async def test_a_discarded_member_hears_nothing_more(layer):
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await layer.group_discard("g", channel)

    await layer.group_send("g", {"type": "m"})
    await layer.send(channel, {"type": "probe"})

    assert await layer.receive(channel) == {"type": "probe"}


async def test_each_member_gets_its_own_copy(layer):
    a, b = await layer.new_channel(), await layer.new_channel()
    for channel in (a, b):
        await layer.group_add("g", channel)

    await layer.group_send("g", {"type": "m"})
    (await layer.receive(a))["type"] = "changed by a handler"

    assert await layer.receive(b) == {"type": "m"}


async def test_the_process_fanout_channel_holds_a_burst(layer):
    channel = await layer.new_channel("fanout.")
    await layer.group_add("g", channel)

    for n in range(500):
        await layer.group_send("g", {"type": "m", "n": n})

    assert [(await layer.receive(channel))["n"] for _ in range(500)] == list(range(500))


async def test_group_send_many_delivers_each_send_in_order():
    """Parley's configured layer (in memory, or Redis pub/sub in CI's Redis pass)."""
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
    try:
        channel = await layer.new_channel("fanout.")
        for group in ("g1", "g2"):
            await layer.group_add(group, channel)
        await layer.group_add("elsewhere", await layer.new_channel("fanout."))

        await layer.group_send_many(
            [("g1", {"type": "m", "n": 1}), ("elsewhere", {"type": "m", "n": 2}),
             ("g2", {"type": "m", "n": 3}), ("g1", {"type": "m", "n": 4})]
        )  # fmt: skip
        await layer.group_send("g2", {"type": "m", "n": 5})

        assert [(await layer.receive(channel))["n"] for _ in range(4)] == [1, 3, 4, 5]
    finally:
        await layer.flush()
