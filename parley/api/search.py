"""Message search with its operators (docs/search.md)."""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router

from parley.api.shapes import ERRORS, SearchResults
from parley.api.types import Said, UpTo100
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.search.query import QUERY_MAX_CHARS
from parley.search.selectors import search_messages

router = Router(tags=["search"])


@router.get("", response={200: SearchResults, **ERRORS}, url_name="search")
def search(
    request: AuthenticatedRequest,
    q: Annotated[Said, MaxLen(QUERY_MAX_CHARS)],
    page: UpTo100 = 1,
) -> dict[str, Any]:
    """A page of the messages you can read that match `q` (words and operators,
    docs/search.md): by relevance where the database can rank, else newest first."""
    check_rate("search", request.user.pk)
    return search_messages(request.user, q, page).as_dict()
