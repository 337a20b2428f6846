"""Message search: the page (the API's is parley/api/search.py; both over
selectors.search_messages)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, query_int, rate_limit
from parley.search.query import QUERY_MAX_CHARS
from parley.search.selectors import search_messages


@login_required
@rate_limit("search")
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    """/search/?q=…: the form and a page of results; a bad query is shown by the field."""
    query = request.GET.get("q", "").strip()
    context: dict[str, object] = {"query": query, "max_chars": QUERY_MAX_CHARS}
    status = 200
    if query:
        try:
            page = query_int(request, "page", minimum=1) or 1
            context["result"] = search_messages(request.user, query, page)
        except ParleyError as exc:
            if exc.code != ErrorCode.INVALID:
                raise
            context["error"] = exc.message
            status = 400
    return render(request, "search/search.html", context, status=status)
