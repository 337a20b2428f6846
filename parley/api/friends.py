"""Friends, friend requests and blocks: the friends page and the profile page's buttons.

Each write calls the same action as the page (parley.accounts.actions.friends), so both
people's sockets hear the same events, under the pages' "friend" rate limit. People are
named by username, requests by id; someone unknown or deactivated is not found, and so
is a request that is not (or no longer) yours to answer.
"""

from typing import Any

from django.db.models import QuerySet
from ninja import Router, Status
from pydantic import Field

from parley.accounts import selectors
from parley.accounts.access import access_user
from parley.accounts.actions import friends
from parley.accounts.events import friend_request_data, user_summary
from parley.accounts.models import FriendRequest, User
from parley.api.paging import paged
from parley.api.shapes import (
    ERRORS,
    WITH_CONFLICT,
    BlockList,
    FriendList,
    FriendRequestList,
    Standing,
)
from parley.api.types import Id, Input, UpTo100, Username
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate

router = Router(tags=["friends"])
requests = Router(tags=["friends"])
blocks = Router(tags=["friends"])


def _standing(viewer: User, person: User) -> Standing:
    return {
        "user": user_summary(person),
        "relationship": selectors.relationship(viewer, person).value,
    }


class PersonIn(Input):
    username: Username = Field(description="Their username (any case).")


# --- friends ----------------------------------------------------------------------------


@router.get("", response={200: FriendList, **ERRORS}, url_name="friends")
def list_friends(
    request: AuthenticatedRequest, after: Username | None = None, limit: UpTo100 = 100
) -> dict[str, Any]:
    """Your friends by username, `limit` a page; the next page is `after` the last
    username of this one."""
    return paged(selectors.friends_of(request.user), after, limit, "friends", user_summary)


@router.delete("/{username}", response={200: Standing, **ERRORS}, url_name="unfriend")
def remove_friend(request: AuthenticatedRequest, username: str) -> Standing:
    """End a friendship (both hear friend.removed). Not friends: not found."""
    check_rate("friend", request.user.pk)
    person = access_user(username)
    friends.check_remove_friend(request.user, person)
    return _standing(request.user, person)


# --- requests ---------------------------------------------------------------------------


def _request_page(rows: QuerySet[FriendRequest], after: int | None, limit: int) -> dict[str, Any]:
    return paged(rows.order_by("id"), after, limit, "requests", friend_request_data)


@requests.get(
    "/incoming", response={200: FriendRequestList, **ERRORS}, url_name="incoming_requests"
)
def incoming(
    request: AuthenticatedRequest, after: Id | None = None, limit: UpTo100 = 100
) -> dict[str, Any]:
    """Requests waiting for your answer, oldest first; the next page is `after` the last
    id of this one."""
    return _request_page(selectors.incoming_requests(request.user), after, limit)


@requests.get(
    "/outgoing", response={200: FriendRequestList, **ERRORS}, url_name="outgoing_requests"
)
def outgoing(
    request: AuthenticatedRequest, after: Id | None = None, limit: UpTo100 = 100
) -> dict[str, Any]:
    """Requests you sent that are not answered yet, oldest first."""
    return _request_page(selectors.outgoing_requests(request.user), after, limit)


@requests.post("", response={200: Standing, **WITH_CONFLICT}, url_name="befriend")
def send_request(request: AuthenticatedRequest, data: PersonIn) -> Standing:
    """Ask someone to be friends (both hear friend.request_received); if they already
    asked you, you are friends at once (friend.added). Asking again is harmless; asking
    a friend is a conflict."""
    check_rate("friend", request.user.pk)
    person = access_user(data.username)
    friends.check_send_friend_request(request.user, person)
    return _standing(request.user, person)


@requests.post(
    "/{request_id}/accept", response={200: Standing, **ERRORS}, url_name="accept_request"
)
def accept(request: AuthenticatedRequest, request_id: Id) -> Standing:
    """Accept a request sent to you: you are friends (both hear friend.added)."""
    check_rate("friend", request.user.pk)
    friend = friends.check_accept_friend_request(request.user, request_id)
    return _standing(request.user, friend)


@requests.post("/{request_id}/decline", response={204: None, **ERRORS}, url_name="decline_request")
def decline(request: AuthenticatedRequest, request_id: Id) -> Status[None]:
    """Decline a request sent to you (both hear friend.request_declined); they may ask
    again later."""
    check_rate("friend", request.user.pk)
    friends.check_decline_friend_request(request.user, request_id)
    return Status(204, None)


@requests.post("/{request_id}/cancel", response={204: None, **ERRORS}, url_name="cancel_request")
def cancel(request: AuthenticatedRequest, request_id: Id) -> Status[None]:
    """Withdraw a request you sent (both hear friend.request_cancelled)."""
    check_rate("friend", request.user.pk)
    friends.check_cancel_friend_request(request.user, request_id)
    return Status(204, None)


# --- blocks -----------------------------------------------------------------------------


@blocks.get("", response={200: BlockList, **ERRORS}, url_name="blocks")
def list_blocks(
    request: AuthenticatedRequest, after: Username | None = None, limit: UpTo100 = 100
) -> dict[str, Any]:
    """The people you blocked, by username; the next page is `after` the last username
    of this one."""
    return paged(selectors.blocked_by(request.user), after, limit, "blocked", user_summary)


@blocks.post("", response={200: Standing, **ERRORS}, url_name="block")
def block(request: AuthenticatedRequest, data: PersonIn) -> Standing:
    """Block someone: a friendship and pending requests between you end, new ones are
    refused, and neither of you sees the other's typing or presence. They are not told;
    they see the friendship or request go (friend.removed, friend.request_cancelled)."""
    check_rate("friend", request.user.pk)
    person = access_user(data.username)
    friends.check_block_user(request.user, person)
    return _standing(request.user, person)


@blocks.delete("/{username}", response={200: Standing, **ERRORS}, url_name="unblock")
def unblock(request: AuthenticatedRequest, username: str) -> Standing:
    """Lift your block (a friendship is not restored). Harmless if there was none."""
    check_rate("friend", request.user.pk)
    person = access_user(username)
    friends.do_unblock_user(request.user, person)
    return _standing(request.user, person)
