"""Conversations: the list, history by seq cursor, mention autocomplete, your read
marker and your marks (muted, starred). (Messages themselves are parley/api/messages.py's.)"""

from typing import Annotated, Any, Literal, cast

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field
from typing_extensions import TypedDict

from parley.api.shapes import (
    ERRORS,
    ConversationList,
    HistoryPage,
    MemberMatches,
    ReadState,
    Uploaded,
)
from parley.api.types import BodyNumber, Id, Input, Number
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import Attachment
from parley.files.actions import check_upload
from parley.files.detect import refused
from parley.files.links import client_dict, stored
from parley.files.uploads import check_not_refused
from parley.messaging import selectors
from parley.messaging.actions.marks import check_mark_conversation
from parley.messaging.actions.read import check_mark_read

router = Router(tags=["conversations"])


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


class ReadIn(Input):
    seq: BodyNumber = Field(description="The seq of the latest message you have read.")


@router.post("/{conversation_id}/read", response={200: ReadState, **ERRORS}, url_name="mark_read")
def mark_read(request: AuthenticatedRequest, conversation_id: Id, data: ReadIn) -> ReadState:
    """Move your read marker up to `seq`: never back, and no further than the
    conversation's last seq. Your sockets get the same `read` event, so that other tabs
    clear their badges."""
    check_rate("read", request.user.pk)
    state = check_mark_read(request.user, conversation_id, data.seq)
    return {
        "conversation": state.conversation,
        "seq": state.seq,
        "unread": state.unread,
        "mentions": state.mentions,
    }


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "name": {
                            "type": "string",
                            "maxLength": 200,
                            "description": "The file's name, if not the multipart one's.",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/{conversation_id}/attachments",
    response={201: Uploaded, **ERRORS},
    url_name="upload_attachment",
    openapi_extra=_MULTIPART,
)
def upload_attachment(request: AuthenticatedRequest, conversation_id: Id) -> Status[Uploaded]:
    """Upload one file (multipart field `file`, and optionally `name`, the name to show if
    not the file's own) to a conversation you may send to (else the error a send there
    gets: 404, or 403 in an archived room or a direct conversation with a block), to send it
    in a message there: its `id` goes in the send's `attachments`. Up to FILES_MAX_BYTES
    (25 MB; 413 before the body is read when Content-Length says more). Its type is
    found from its bytes; images (JPEG, PNG, GIF, WebP) get a thumbnail. Refused (400,
    nothing stored) with `reason`: `no_file`, `empty`, `bad_name` (a path, control
    characters, over 200 characters), `type_mismatch` (says it is an image and is not),
    `too_many_pixels`. An upload no message takes within a day is deleted."""
    files = request.FILES.getlist("file")
    check_not_refused(request)
    if len(files) > 1 or len(request.FILES) > len(files):
        raise refused("one_file", 'Upload one file per request, as the field "file".')
    upload = files[0] if files else None
    attachment = check_upload(request.user, conversation_id, upload, request.POST.get("name"))
    uploaded: Uploaded = {
        "attachment": cast(Attachment, client_dict(stored(attachment))),
    }
    return Status(201, uploaded)


class MarksIn(Input):
    muted: bool | None = Field(
        None, description="Mute: its unread messages leave the title's count."
    )
    starred: bool | None = Field(None, description="Star: listed first.")


class Marks(TypedDict):
    conversation: int
    muted: bool
    starred: bool


@router.patch("/{conversation_id}", response={200: Marks, **ERRORS}, url_name="mark_conversation")
def mark_conversation(request: AuthenticatedRequest, conversation_id: Id, data: MarksIn) -> Marks:
    """Mute or star a conversation of yours (a field left out stays as it is). Your
    sockets get `conversation.marked`, so other tabs follow."""
    check_rate("read", request.user.pk)
    event = check_mark_conversation(
        request.user, conversation_id, muted=data.muted, starred=data.starred
    )
    return {"conversation": event.conversation, "muted": event.muted, "starred": event.starred}
