"""Conversations and their messages: the list, history by seq cursor, mention
autocomplete, earlier versions of an edited message, and previews of a body."""

from typing import Annotated, Any, Literal

from annotated_types import MaxLen
from ninja import Router
from pydantic import Field

from parley.api.shapes import (
    ERRORS,
    ConversationList,
    HistoryPage,
    MemberMatches,
    MessageVersions,
    Rendered,
)
from parley.api.types import BodyId, Id, Input, Number, Said
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.messaging import selectors
from parley.messaging.access import access_participant
from parley.messaging.actions.send import check_body
from parley.messaging.rendering import Mentionable, render

router = Router(tags=["conversations"])
messages = Router(tags=["messages"])


@router.get("", response={200: ConversationList, **ERRORS}, url_name="conversations")
def list_conversations(request: AuthenticatedRequest) -> dict[str, Any]:
    """Every conversation of yours, most recent first, with unread and mention counts
    (the same list the socket's hello carries)."""
    return {"conversations": selectors.conversation_list(request.user)}


@router.get(
    "/{conversation_id}/messages", response={200: HistoryPage, **ERRORS}, url_name="history"
)
def history(
    request: AuthenticatedRequest,
    conversation_id: Id,
    before: Id | None = None,
    after: Number | None = None,
    around: Id | None = None,
    anchor: Literal["first_unread"] | None = None,
    limit: Id = 50,
) -> dict[str, Any]:
    """A page of history, newest first: before a seq (older), after a seq (newer),
    around a seq (a linked message in the middle), from the first unread message
    (`anchor=first_unread`), or the newest. One of before, after and around at most.
    Pages hold up to `limit` messages, at most 100."""
    check_rate("history", request.user.pk)
    if sum(x is not None for x in (before, after, around)) > 1:
        raise ParleyError(ErrorCode.INVALID, 'Page "before", "after" or "around" a seq: one.')
    user = request.user
    if around is not None:
        return selectors.history_around(user, conversation_id, around, limit=max(2, limit))
    if anchor == "first_unread":
        if before is not None or after is not None:
            raise ParleyError(ErrorCode.INVALID, '"anchor" opens a page: no "before" or "after".')
        return selectors.first_unread_page(user, conversation_id, limit=limit)
    return selectors.history(user, conversation_id, before=before, after=after, limit=limit)


@router.get(
    "/{conversation_id}/members", response={200: MemberMatches, **ERRORS}, url_name="members"
)
def members(
    request: AuthenticatedRequest, conversation_id: Id, q: Annotated[str, MaxLen(64)] = ""
) -> dict[str, Any]:
    """Members whose username or name starts with `q` (for @mention autocomplete),
    at most 10, by username."""
    check_rate("autocomplete", request.user.pk)
    return {"members": selectors.conversation_members(request.user, conversation_id, q)}


@messages.get(
    "/{message_id}/edits", response={200: MessageVersions, **ERRORS}, url_name="message_edits"
)
def message_versions(request: AuthenticatedRequest, message_id: Id) -> dict[str, Any]:
    """An edited message's earlier versions, oldest first, then the current one."""
    check_rate("history", request.user.pk)
    return selectors.message_versions(request.user, message_id)


class PreviewIn(Input):
    body: Said = Field(description="Message Markdown, as it would be sent.")
    conversation: BodyId | None = Field(
        None, description="Resolve @mentions among this conversation's members."
    )


@messages.post("/preview", response={200: Rendered, **ERRORS}, url_name="preview")
def preview(request: AuthenticatedRequest, data: PreviewIn) -> dict[str, Any]:
    """A body rendered exactly as sending it would render it, with who it mentions."""
    check_rate("preview", request.user.pk)
    check_body(data.body)
    mentionable: Mentionable = {}
    if data.conversation is not None:
        access_participant(request.user, data.conversation)
        mentionable = selectors.mentionable_members(data.conversation, data.body)
    html, mentioned = render(data.body, mentionable)
    return {"html": html, "mentions": mentioned}
