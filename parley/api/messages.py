"""Messages: send, read one, edit, delete, react, move; an edited message's earlier
versions, and previews of a body.

Every write calls the check_* action the socket calls (parley/realtime/consumer.py) with
the socket's rate limit: edits, deletes, reactions and moves take their token here, a
send in check_send_messages, so one user's sends over HTTP and over their sockets drain
one bucket. Each answers when its change is committed and published, with what the
socket's ack or done carries and the message as it now is.
"""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field

from parley.accounts.models import User
from parley.api.shapes import ERRORS, Changed, MessageVersions, Rendered, Sent
from parley.api.types import BodyId, ClientId, Id, Input, MessageBody, MessageBodyOrEmpty, Said
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import MessageData
from parley.messaging import selectors
from parley.messaging.access import access_participant
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.react import check_react
from parley.messaging.actions.send import check_body, check_send_message
from parley.messaging.events import message_dict
from parley.messaging.rendering import Mentionable, render

router = Router(tags=["messages"])


class SendIn(Input):
    conversation: BodyId | None = Field(
        None, description="The conversation to send to; or else `to`."
    )
    to: BodyId | None = Field(
        None,
        description="A user's id: your direct conversation with them, which the first "
        "message starts (as on the socket).",
    )
    body: MessageBodyOrEmpty = Field(
        description="Markdown, up to MESSAGE_MAX_CHARS (10,000) characters, not only spaces "
        "(with attachments it may be empty)."
    )
    client_id: ClientId = Field(
        description="Your id for this message, 1–64 of A–Z a–z 0–9 - _. Resending with the "
        "same one returns the original instead of a copy."
    )
    reply_to: BodyId | None = Field(None, description="A message of the same conversation.")
    attachments: Annotated[list[BodyId], MaxLen(100)] = Field(
        default_factory=list,
        description="Ids of your uploads to this conversation not sent yet "
        "(`POST /api/v1/conversations/{id}/attachments`), at most FILES_MAX_PER_MESSAGE "
        "(10). Each file goes in one message.",
    )


@router.post("", response={201: Sent, 200: Sent, **ERRORS}, url_name="send")
def send_message(request: AuthenticatedRequest, data: SendIn) -> Status[Sent]:
    """Send a message to a conversation, or to a user directly: 201 once it is stored,
    its `seq` numbering it in the conversation, and on its way to every member's sockets.
    A resend with the same `client_id` (say, after a timeout) answers 200 with the
    original message and `duplicate: true`, and stores and sends nothing. Sends are rate
    limited per user together with the user's socket sends (429, `Retry-After`)."""
    result = check_send_message(
        request.user,
        client_id=data.client_id,
        body=data.body,
        conversation_id=data.conversation,
        to_user_id=data.to,
        reply_to=data.reply_to,
        attachments=data.attachments,
    )
    message = result.message
    sent: Sent = {
        "id": message.pk,
        "seq": message.seq,
        "conversation": message.conversation_id,
        "client_id": message.client_id,
        "duplicate": not result.created,
        "message": message_dict(message),
    }
    return Status(201 if result.created else 200, sent)


class PreviewIn(Input):
    body: Said = Field(description="Message Markdown, as it would be sent.")
    conversation: BodyId | None = Field(
        None, description="Resolve @mentions among this conversation's members."
    )


# Before "/{message_id}", whose pattern would take "preview" for an id.
@router.post("/preview", response={200: Rendered, **ERRORS}, url_name="preview")
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


@router.get("/{message_id}", response={200: MessageData, **ERRORS}, url_name="message")
def read_message(request: AuthenticatedRequest, message_id: Id) -> MessageData:
    """One message of a conversation you are in, as it is now (a deleted or moved one as
    its tombstone)."""
    check_rate("history", request.user.pk)
    return selectors.message_data(request.user, message_id)


def _changed(user: User, message_id: int, seq: int | None) -> Changed:
    return {"id": message_id, "seq": seq, "message": selectors.message_data(user, message_id)}


class EditIn(Input):
    body: MessageBody = Field(description="The new Markdown, as for a send.")


@router.patch("/{message_id}", response={200: Changed, **ERRORS}, url_name="edit_message")
def edit_message(request: AuthenticatedRequest, message_id: Id, data: EditIn) -> Changed:
    """Replace the text of a message of yours (its earlier versions are kept: `/edits`).
    `seq` is null when the text is the same."""
    check_rate("edit", request.user.pk)
    return _changed(
        request.user, message_id, check_edit_message(request.user, message_id, data.body)
    )


@router.delete("/{message_id}", response={200: Changed, **ERRORS}, url_name="delete_message")
def delete_message(request: AuthenticatedRequest, message_id: Id) -> Changed:
    """Delete a message of yours, or any in a room you own or administer: a tombstone
    stays, its text, versions and reactions are gone."""
    check_rate("delete", request.user.pk)
    return _changed(request.user, message_id, check_delete_message(request.user, message_id))


class ReactionIn(Input):
    emoji: str = Field(description="One emoji, such as 👍 or 👍🏽.")


@router.post("/{message_id}/reactions", response={200: Changed, **ERRORS}, url_name="react")
def add_reaction(request: AuthenticatedRequest, message_id: Id, data: ReactionIn) -> Changed:
    """Add your reaction to a message (`seq` null if it was there already)."""
    return _react(request.user, message_id, data.emoji, on=True)


@router.delete(
    "/{message_id}/reactions/{emoji}", response={200: Changed, **ERRORS}, url_name="unreact"
)
def remove_reaction(request: AuthenticatedRequest, message_id: Id, emoji: str) -> Changed:
    """Take your reaction back (`emoji` percent-encoded in the path; `seq` null if it
    was not there)."""
    return _react(request.user, message_id, emoji, on=False)


def _react(user: User, message_id: int, emoji: str, *, on: bool) -> Changed:
    check_rate("react", user.pk)
    return _changed(user, message_id, check_react(user, message_id, emoji, on))


class MoveIn(Input):
    to: BodyId = Field(description="A chat of the same room.")


@router.post("/{message_id}/move", response={200: Changed, **ERRORS}, url_name="move_message")
def move_message(request: AuthenticatedRequest, message_id: Id, data: MoveIn) -> Changed:
    """Move a message to another chat of its room (room owners and admins). A tombstone
    stays here (`seq` is this conversation's change) pointing at the copy: `moved_to`."""
    check_rate("move", request.user.pk)
    return _changed(request.user, message_id, check_move_message(request.user, message_id, data.to))


@router.get(
    "/{message_id}/edits", response={200: MessageVersions, **ERRORS}, url_name="message_edits"
)
def message_versions(request: AuthenticatedRequest, message_id: Id) -> dict[str, Any]:
    """An edited message's earlier versions, oldest first, then the current one."""
    check_rate("history", request.user.pk)
    return selectors.message_versions(request.user, message_id)
