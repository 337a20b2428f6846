"""The fault suite (docs/faults.md): two real workers on Parley's own Redis and PostgreSQL,
clients sending numbered messages, and one fault each. Every scenario asserts the delivery
contract (nothing acknowledged lost, nothing stored or delivered twice, no gap, order kept)
against the database and every client's stream, and prints its recovery time.
"""

import asyncio
import os
import re
import time

import pytest

from parley.core.testing import services
from parley.core.testing.faults import deployment


def _why_skipped() -> str | None:
    """The scenarios bring their own services, so CI runs them once: in the pass without
    DATABASE_URL (SQLite), or wherever PARLEY_FAULTS=1."""
    if os.environ.get("DATABASE_URL") and os.environ.get("PARLEY_FAULTS") != "1":
        return "fault scenarios run once, in the pass without DATABASE_URL (or PARLEY_FAULTS=1)"
    return services.available()


pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(bool(_why_skipped()), reason=f"{_why_skipped()}"),
]


def test_baseline_without_a_fault():
    async def scenario() -> None:
        with deployment() as d:
            await d.start_clients()
            await d.send_for(2.0)
            d.fault_over()
            await d.recover()
            await d.stop_clients()
            d.check()

    asyncio.run(scenario())


async def _under_fault(d, fault, end, seconds: float = 3.0, during=None) -> float:
    """Clients send before and during `fault()`; `end()` ends it, `during()` is awaited
    within it. Returns the recovery time (printed), after checking the contract."""
    await d.start_clients(4)
    async with d.sending():
        await asyncio.sleep(1.0)  # traffic before the fault (the load's pace)
        fault()
        d.fault_begins()
        await asyncio.sleep(seconds)  # the outage lasts this long, under traffic
        if during is not None:
            await during()
        end()
        d.fault_over()
    recovered = await d.recover()
    await d.stop_clients()
    d.check()
    return recovered


async def _redis_away(d, fault, end) -> None:
    """While Redis is away, sends are stored and acknowledged, reach the sockets of the
    sender's process, and a socket that opens gets its hello."""

    async def during() -> None:
        opened = time.monotonic()
        await d.start_clients()  # the fifth user's client, opened during the outage
        print(f"hello during the outage after {time.monotonic() - opened:.2f} s")

    await _under_fault(d, fault, end, during=during)
    assert d.error_codes() == {}, "a send failed while Redis was away"
    for client in d.clients[:4]:
        assert d.during_fault(client.ack_times) >= 3, f"{client.name}: no acks during the outage"
        delivered = [r.at for r in client.received]
        assert d.during_fault(delivered) >= 3, f"{client.name}: no deliveries during the outage"
    # Errors are logged once per outage (with a count), not once per call.
    for index in range(2):
        records = re.findall(r"^\d{4}-\d\d-\d\d .*$", d.workers.log(index), re.MULTILINE)
        assert len(records) < 10, f"worker {index} logged {len(records)} records: {records}"


def test_redis_restarted_empty():
    async def scenario() -> None:
        with deployment(clients=5) as d:
            await _redis_away(d, d.redis.kill, d.redis.start)

    asyncio.run(scenario())


def test_redis_frozen_then_thawed():
    async def scenario() -> None:
        with deployment(clients=5) as d:
            await _redis_away(d, d.redis.freeze, d.redis.thaw)

    asyncio.run(scenario())


def test_postgres_restarted():
    async def scenario() -> None:
        with deployment() as d:
            await _under_fault(d, d.postgres.stop, d.postgres.start)
            # Sends during the outage were refused with a retryable error, then resent.
            assert set(d.error_codes()) == {"unavailable"}, d.error_codes()

    asyncio.run(scenario())


def test_postgres_backends_terminated():
    async def scenario() -> None:
        with deployment() as d:
            ended: list[int] = []

            def terminate() -> None:
                ended.append(d.postgres.terminate_backends())

            await _under_fault(d, terminate, terminate, seconds=1.0)
            assert sum(ended) > 0, "no backend was there to terminate"

    asyncio.run(scenario())


def test_a_worker_killed_and_restarted_then_the_other():
    """Worker 0 dies: its clients move to worker 1. It comes back and worker 1 dies: every
    client moves to the restarted worker 0. The contract holds across both."""

    async def scenario() -> None:
        with deployment() as d:
            first, second = d.workers.ports
            await d.start_clients()
            async with d.sending():
                await asyncio.sleep(1.0)  # traffic before the fault (the load's pace)
                d.workers.kill(0)
                d.fault_begins()
                await asyncio.sleep(2.0)  # worker 0 is away this long, under traffic
                d.workers.start(0)
                d.workers.kill(1)
                await asyncio.sleep(2.0)  # now worker 1 is away
                d.workers.start(1)
                d.fault_over()
            await d.recover()
            await d.stop_clients()
            d.check()
            for client in d.clients:
                ports = [port for _, port in client.connects]
                assert first in ports and second in ports, f"{client.name} stayed on {ports}"
            assert all(client.connects[-1][1] == first for client in d.clients)

    asyncio.run(scenario())


STORM = 200  # clients; bench/README.md ("storm") measures thousands on one pinned worker


def test_a_reconnect_storm_after_a_worker_dies():
    """STORM clients on two workers; a few send all along. Worker 0 dies and half the
    clients reconnect to worker 1 at once, each resuming; then worker 0 is back. Every
    client gets its hello and every missed message, once and in order."""

    async def keep_sending(clients) -> None:
        while True:
            await asyncio.gather(*(client.send_next() for client in clients))
            await asyncio.sleep(0.25)  # the load's pace, not a synchronisation

    async def scenario() -> None:
        env = {"RATE_LIMITS": "connect_ip=100000/100000"}  # every client is 127.0.0.1
        with deployment(clients=STORM, env=env) as d:
            await d.start_clients()
            moved = [c for c in d.clients if c.connects[-1][1] == d.workers.ports[0]]
            sender = asyncio.get_running_loop().create_task(keep_sending(d.clients[:4]))
            await asyncio.sleep(1.0)  # traffic before the fault (the load's pace)
            killed = time.monotonic()
            d.workers.kill(0)
            d.fault_begins()
            # The deadline is against a hang only: how fast a storm passes is measured in
            # bench/ (a loaded machine took a minute here for what a quiet one does in seconds).
            await asyncio.gather(*(c.wait_moved(d.workers.ports[1], 300) for c in moved))
            stormed = time.monotonic() - killed
            d.workers.start(0)
            d.fault_over()
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            print(f"{len(moved)} clients reconnected and resumed in {stormed:.2f} s")
            await d.recover(timeout=60)
            await d.stop_clients()
            d.check()

    asyncio.run(scenario())
