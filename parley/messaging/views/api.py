"""JSON endpoints for conversations and history (the browser's chat page uses them)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import (
    AuthenticatedRequest,
    api_login_required,
    json_object,
    query_int,
    rate_limit,
)
from parley.messaging import selectors
from parley.messaging.access import access_participant
from parley.messaging.actions.send import check_body
from parley.messaging.rendering import Mentionable, render
from parley.messaging.selectors import mentionable_members


@api_login_required
@require_GET
def conversations(request: AuthenticatedRequest) -> JsonResponse:
    """Every conversation of the signed-in user, most recent first, with unread counts."""
    return JsonResponse({"conversations": selectors.conversation_list(request.user)})


@api_login_required
@rate_limit("history")
@require_GET
def messages(request: AuthenticatedRequest, conversation_id: int) -> JsonResponse:
    """A page of history: ?before=SEQ (older), ?after=SEQ (newer), ?around=SEQ (a linked
    message in the middle) or ?anchor=first_unread."""
    before = query_int(request, "before", minimum=1)
    after = query_int(request, "after")
    around = query_int(request, "around", minimum=1)
    limit = query_int(request, "limit", minimum=1) or 50
    anchor = request.GET.get("anchor")
    if sum(x is not None for x in (before, after, around)) > 1:
        raise ParleyError(ErrorCode.INVALID, 'Page "before", "after" or "around" a seq: one.')
    if around is not None:
        return JsonResponse(
            selectors.history_around(request.user, conversation_id, around, limit=limit)
        )
    if anchor not in (None, "", "first_unread"):
        raise ParleyError(ErrorCode.INVALID, '"anchor" can only be "first_unread".')
    if anchor == "first_unread":
        page = selectors.first_unread_page(request.user, conversation_id, limit=min(limit, 100))
    else:
        page = selectors.history(
            request.user, conversation_id, before=before, after=after, limit=limit
        )
    return JsonResponse(page)


@api_login_required
@rate_limit("history")
@require_GET
def message_versions(request: AuthenticatedRequest, message_id: int) -> JsonResponse:
    """An edited message's earlier versions, oldest first, then the current one."""
    return JsonResponse(selectors.message_versions(request.user, message_id))


@api_login_required
@rate_limit("autocomplete")
@require_GET
def members(request: AuthenticatedRequest, conversation_id: int) -> JsonResponse:
    """Members matching ?q= (username or name prefix), for @mention autocomplete."""
    query = request.GET.get("q", "")[:64]
    return JsonResponse(
        {"members": selectors.conversation_members(request.user, conversation_id, query)}
    )


@api_login_required
@rate_limit("preview")
@require_POST
def preview(request: AuthenticatedRequest) -> JsonResponse:
    """A body rendered exactly as sending it would ({"body", "conversation"?} as JSON)."""
    data = json_object(request)
    body = data.get("body")
    if not isinstance(body, str):
        raise ParleyError(ErrorCode.INVALID, '"body" must be a string.')
    check_body(body)
    conversation_id = data.get("conversation")
    mentionable: Mentionable = {}
    if conversation_id is not None:
        if (
            isinstance(conversation_id, bool)
            or not isinstance(conversation_id, int)
            or not 0 < conversation_id < 2**63
        ):
            raise ParleyError(ErrorCode.INVALID, '"conversation" must be a conversation id.')
        access_participant(request.user, conversation_id)
        mentionable = mentionable_members(conversation_id, body)
    html, mentioned = render(body, mentionable)
    return JsonResponse({"html": html, "mentions": mentioned})
