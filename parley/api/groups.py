"""Group conversations: start one with people, add more. Direct conversations: find
yours with someone (one starts with its first message, sent with `to`)."""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router, Status
from pydantic import Field

from parley.api.shapes import ERRORS
from parley.api.types import BodyId, Id, Input
from parley.core.errors import not_found
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import ConversationSummary
from parley.messaging.actions.groups import check_add_to_group, check_create_group
from parley.messaging.selectors import conversation_summary, direct_conversation_id

router = Router(tags=["groups"])
direct = Router(tags=["direct"])


class GroupIn(Input):
    people: list[BodyId] = Field(
        description="User ids: 2 to 19 people besides you, each a friend or someone you "
        "share a room with."
    )
    title: Annotated[str, MaxLen(80)] = Field(
        "", description="Up to 80 characters; without one, the group is called after its people."
    )


@router.post("", response={201: ConversationSummary, **ERRORS}, url_name="group_create")
def create_group(request: AuthenticatedRequest, data: GroupIn) -> Status[dict[str, Any]]:
    """A group conversation of you and `people`; everyone's sockets follow it at once."""
    check_rate("room", request.user.pk)
    group = check_create_group(request.user, data.people, data.title)
    return Status(201, conversation_summary(request.user, group.pk))


class PeopleIn(Input):
    people: list[BodyId] = Field(description="User ids to add (up to 20 people in all).")


@router.post(
    "/{conversation_id}/people", response={200: ConversationSummary, **ERRORS}, url_name="group_add"
)
def add_people(
    request: AuthenticatedRequest, conversation_id: Id, data: PeopleIn
) -> dict[str, Any]:
    """Anyone in a group adds people to it (those already in are skipped)."""
    check_rate("room", request.user.pk)
    group = check_add_to_group(request.user, conversation_id, data.people)
    return conversation_summary(request.user, group.pk)


@direct.get("/{user_id}", response={200: ConversationSummary, **ERRORS}, url_name="direct")
def direct_conversation(request: AuthenticatedRequest, user_id: Id) -> dict[str, Any]:
    """Your direct conversation with a user, if you have one; not found until the first
    message, which starts it (sent with `to`: that user's id)."""
    conversation_id = direct_conversation_id(request.user, user_id)
    if conversation_id is None:
        raise not_found("That conversation")
    return conversation_summary(request.user, conversation_id)
