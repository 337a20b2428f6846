"""Redis scripts sent together (ScriptPipeline): each caller gets its own reply or its own
error, and scripts that Redis lost (restarted empty) are loaded again."""

import asyncio

import pytest
import redis.asyncio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from parley.core.resilience import ScriptPipeline
from parley.core.testing import services
from parley.core.testing.services import redis_server

pytestmark = pytest.mark.skipif(bool(services.available()), reason=f"{services.available()}")


async def test_scripts_sent_together_each_get_their_own_reply_or_error():
    with redis_server() as server:
        client = redis.asyncio.Redis.from_url(server.url)
        echo = client.register_script("return {KEYS[1], ARGV[1]}")
        refuse = client.register_script("return redis.error_reply('refused')")
        pipeline = ScriptPipeline(client)

        replies = await asyncio.gather(
            pipeline(echo, ["a"], [1]),
            pipeline(refuse, [], []),
            pipeline(echo, ["b"], [2]),
            return_exceptions=True,
        )
        assert replies[0] == [b"a", b"1"]
        assert isinstance(replies[1], ResponseError) and "refused" in str(replies[1])
        assert replies[2] == [b"b", b"2"]

        await client.script_flush()  # as a Redis restarted empty has none
        assert await pipeline(echo, ["c"], [3]) == [b"c", b"3"]
        await client.aclose()


async def test_calls_queued_behind_a_pipeline_redis_did_not_answer_fail_at_once():
    """A frozen Redis costs each caller one timeout: those that queued behind the pipeline
    that timed out fail without a trip of their own (and so fall back at once)."""
    with redis_server() as server:
        client = redis.asyncio.Redis.from_url(server.url, socket_timeout=0.5)
        echo = client.register_script("return {KEYS[1], ARGV[1]}")
        pipeline = ScriptPipeline(client)
        assert await pipeline(echo, ["a"], [1]) == [b"a", b"1"]  # loaded, connected

        server.freeze()
        try:
            first = asyncio.ensure_future(pipeline(echo, ["b"], [2]))
            queue = pipeline._calls.queues.get()
            while queue.task is None or queue.waiting:  # until the first pipeline is out
                await asyncio.sleep(0)
            queued = [asyncio.ensure_future(pipeline(echo, [k], [3])) for k in "cd"]
            outcomes = await asyncio.gather(first, *queued, return_exceptions=True)
        finally:
            server.thaw()

        assert isinstance(outcomes[0], RedisTimeoutError)
        for outcome in outcomes[1:]:
            assert isinstance(outcome, RedisConnectionError)
            assert "the pipeline before this one" in str(outcome)
        await client.aclose()
