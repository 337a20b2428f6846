"""The fault suite (docs/faults.md): two real workers on Parley's own Redis and PostgreSQL,
clients sending numbered messages, and one fault each. Every scenario asserts the delivery
contract (nothing acknowledged lost, nothing stored or delivered twice, no gap, order kept)
against the database and every client's stream, and prints its recovery time.
"""

import asyncio

import pytest

from parley.core.testing import services
from parley.core.testing.faults import deployment

pytestmark = [pytest.mark.faults, pytest.mark.skipif(bool(services.available()), reason=str(services.available()))]


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
