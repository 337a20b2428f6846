"""X-RateLimit-* headers on the REST API's answers (parley/api/auth.py spends the tokens).

X-RateLimit-Limit is the bucket's size, X-RateLimit-Remaining the requests left at once,
X-RateLimit-Reset the seconds until the bucket is full again; of the scarcest of the
request's buckets (its token's or its user's). A 429 also carries Retry-After.
"""

import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        quota = getattr(request, "api_quota", None)
        if quota is not None:
            response["X-RateLimit-Limit"] = str(quota.limit)
            response["X-RateLimit-Remaining"] = str(quota.remaining)
            response["X-RateLimit-Reset"] = str(math.ceil(quota.reset))
        return response
