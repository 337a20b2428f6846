"""JSON endpoints for conversations and history (the browser's chat page uses them)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, api_login_required, query_int
from parley.messaging import selectors


@api_login_required
@require_GET
def conversations(request: AuthenticatedRequest) -> JsonResponse:
    """Every conversation of the signed-in user, most recent first, with unread counts."""
    return JsonResponse({"conversations": selectors.conversation_list(request.user)})


@api_login_required
@require_GET
def messages(request: AuthenticatedRequest, conversation_id: int) -> JsonResponse:
    """A page of history: ?before=SEQ (older), ?after=SEQ (newer) or ?anchor=first_unread."""
    before = query_int(request, "before", minimum=1)
    after = query_int(request, "after")
    limit = query_int(request, "limit", minimum=1) or 50
    anchor = request.GET.get("anchor")
    if before is not None and after is not None:
        raise ParleyError(ErrorCode.INVALID, 'Page "before" or "after" a seq, not both.')
    if anchor not in (None, "", "first_unread"):
        raise ParleyError(ErrorCode.INVALID, '"anchor" can only be "first_unread".')
    if anchor == "first_unread":
        page = selectors.first_unread_page(request.user, conversation_id, limit=min(limit, 100))
    else:
        page = selectors.history(
            request.user, conversation_id, before=before, after=after, limit=limit
        )
    return JsonResponse(page)
