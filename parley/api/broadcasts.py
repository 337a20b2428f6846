"""Broadcasts: one message to many people and rooms at once, and the sender's record of
each with how many have read it (docs/broadcasts.md).

POST calls check_send_broadcast, the action the web page calls; the lists are the
selectors of parley/broadcasts/selectors.py.
"""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field
from typing_extensions import TypedDict

from parley.api.paging import keyset_page
from parley.api.shapes import ERRORS
from parley.api.types import BodyId, ClientId, Id, Input, MessageBody, UpTo100
from parley.broadcasts.actions import check_send_broadcast
from parley.broadcasts.recipients import BroadcastRequest, RoomTarget
from parley.broadcasts.selectors import broadcast_detail, broadcast_summaries, broadcasts_of
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import Refusal, UserSummary

router = Router(tags=["broadcasts"])


class ChosenRoom(Input):
    room: BodyId = Field(description="A room you are a member of.")
    chat: BodyId | None = Field(
        None, description="One of that room's chats; its default chat if left out."
    )


# The most a list may name, to bound what is parsed; the settings' maxima (1,000 people,
# 100 rooms by default) are checked by the action.
_LIST_CAP = 10_000


class BroadcastIn(Input):
    client_id: ClientId = Field(
        description="Your id for this broadcast, 1–64 of A–Z a–z 0–9 - _. Sending again "
        "with the same one returns the original and sends nothing."
    )
    body: MessageBody = Field(description="Markdown, as for a message; @mentions are not resolved.")
    people: Annotated[list[BodyId], MaxLen(_LIST_CAP)] = Field(
        default_factory=list,
        json_schema_extra={"uniqueItems": True},
        description="Users' ids: each gets the message in your direct conversation with them "
        "(made if need be). At most BROADCAST_MAX_PEOPLE (1,000), shortcuts included; no id twice.",
    )
    rooms: Annotated[list[ChosenRoom], MaxLen(_LIST_CAP)] = Field(
        default_factory=list,
        description="Rooms to post in, each in a chat. At most BROADCAST_MAX_ROOMS (100); "
        "no room twice.",
    )
    friends: bool = Field(False, description='The shortcut "all my friends".')
    members_of: Annotated[list[BodyId], MaxLen(_LIST_CAP)] = Field(
        default_factory=list,
        json_schema_extra={"uniqueItems": True},
        description='The shortcut "every member of this room" (rooms you are in): each '
        "member gets a direct message. At most BROADCAST_MAX_ROOMS; no id twice.",
    )


class BroadcastRoom(TypedDict):
    id: int
    title: str


class CopyOut(TypedDict):
    conversation: int
    message: int
    seq: int
    kind: str  # "person" (a direct conversation) or "room" (a chat)
    person: UserSummary | None
    room: BroadcastRoom | None
    chat: str | None  # the chat's title, for a room
    members: int  # who can read it, but you
    read: int  # how many of them have read it


class BroadcastSummary(TypedDict):
    id: int
    client_id: str
    body: str
    html: str
    created_at: str
    copy_count: int  # conversations it went to
    recipient_count: int  # people it reached, each once
    read_count: int  # how many of them have read their copy
    refused_count: int


class BroadcastOut(BroadcastSummary):
    copies: list[CopyOut]
    refused: list[Refusal]


class BroadcastPage(TypedDict):
    broadcasts: list[BroadcastSummary]
    has_more: bool
    next: str | None


class BroadcastSent(BroadcastOut):
    duplicate: bool  # a retry: the original, nothing new sent


@router.post("", response={201: BroadcastSent, 200: BroadcastSent, **ERRORS}, url_name="broadcast")
def send_broadcast(request: AuthenticatedRequest, data: BroadcastIn) -> Status[Any]:
    """Send one message to many people and rooms at once. 201 once every copy is stored
    (each a message of its conversation with its own seq, on its way to the sockets);
    `refused` lists who and where could not receive it, with a code and a reason. A retry
    with the same `client_id` answers 200 with the original and `duplicate: true`, and
    sends nothing. Every recipient refused: 403 with the `refused` list, nothing stored.
    Bad input (an id twice, a chat of another room, lists over the maxima): 400, nothing
    stored. Rate limited ("broadcast": 5 at once, then one every 10 s): 429, `Retry-After`."""
    result = check_send_broadcast(
        BroadcastRequest(
            request.user,
            data.client_id,
            data.body,
            people=data.people,
            rooms=[RoomTarget(r.room, r.chat) for r in data.rooms],
            friends=data.friends,
            members_of=data.members_of,
        )
    )
    detail = broadcast_detail(request.user, result.broadcast.pk)
    return Status(201 if result.created else 200, {**detail, "duplicate": not result.created})


@router.get("", response={200: BroadcastPage, **ERRORS}, url_name="broadcasts")
def list_broadcasts(
    request: AuthenticatedRequest, after: Id | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """Your broadcasts, newest first, each with how many people it reached and how many
    have read it (their read marker passed it); the next page is `after` the last id
    (`next`)."""
    check_rate("history", request.user.pk)
    found, cursor = keyset_page(broadcasts_of(request.user), after, limit)
    return {
        "broadcasts": broadcast_summaries(request.user, found),
        "has_more": cursor is not None,
        "next": cursor,
    }


@router.get("/{broadcast_id}", response={200: BroadcastOut, **ERRORS}, url_name="broadcast_detail")
def read_broadcast(request: AuthenticatedRequest, broadcast_id: Id) -> dict[str, Any]:
    """One of your broadcasts: each copy with its readers, and who was refused and why."""
    check_rate("history", request.user.pk)
    return broadcast_detail(request.user, broadcast_id)
