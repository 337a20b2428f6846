"""Rate limits reset between tests, so one test's sends never throttle the next's."""

from django.conf import settings

from parley.core import ratelimit


def reset_rate_limits() -> None:
    """Empty every token bucket, in this process and in Redis."""
    ratelimit._local._buckets.clear()
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{settings.REDIS_PREFIX}:rl:*"))
        if keys:
            client.delete(*keys)
        client.close()
