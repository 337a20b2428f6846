"""The emoji index the web client's picker and `:` autocomplete search (parley.messaging.emoji)."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from parley.messaging.emoji import index


def index_url() -> str:
    """The index's address, under the digest of its content."""
    return reverse("emoji_index", args=[index()[1]])


@require_safe
def emoji_index(request: HttpRequest, digest: str) -> HttpResponse:
    """The index, cached for good under its own digest; an old digest (a page older than
    the library's data) still gets the current index, cached only briefly."""
    body, current = index()
    response = HttpResponse(body, content_type="application/json")
    if digest == current:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response
