"""The open and close gates: how many sockets of a loop pass at once, read per loop."""

import asyncio

from parley.realtime.gates import gate


async def test_a_gate_lets_the_setting_s_number_through_and_the_rest_wait(settings):
    settings.WEBSOCKET_CONNECTS_AT_ONCE = 2
    inside: list[int] = []
    most = 0
    let_go = asyncio.Event()

    async def socket(n: int) -> None:
        nonlocal most
        async with gate("open"):
            inside.append(n)
            most = max(most, len(inside))
            await let_go.wait()
            inside.remove(n)

    tasks = [asyncio.create_task(socket(n)) for n in range(5)]
    while len(inside) < 2:
        await asyncio.sleep(0)
    for _ in range(10):  # the others had every chance to enter, and did not
        await asyncio.sleep(0)
    assert inside == [0, 1]
    let_go.set()
    await asyncio.gather(*tasks)
    assert most == 2 and inside == []


async def test_open_and_close_are_separate_gates_of_one_loop(settings):
    settings.WEBSOCKET_CONNECTS_AT_ONCE = 1
    assert gate("open") is gate("open")
    async with gate("open"):
        assert not gate("close").locked()  # a crowd opening never blocks one closing
        assert gate("open").locked()


def test_each_loop_has_its_own_gates_sized_by_the_settings_then(settings):
    async def room() -> tuple[asyncio.Semaphore, int]:
        """The loop's close gate, and how many pass it before it is shut."""
        semaphore, passed = gate("close"), 0
        while not semaphore.locked():
            await semaphore.acquire()
            passed += 1
        return semaphore, passed

    settings.WEBSOCKET_CONNECTS_AT_ONCE = 3
    first, first_room = asyncio.run(room())
    settings.WEBSOCKET_CONNECTS_AT_ONCE = 7
    second, second_room = asyncio.run(room())
    assert first is not second
    assert (first_room, second_room) == (3, 7)
