"""Reads about users and their relationships. Nothing here writes."""

from enum import StrEnum

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet

from parley.accounts.models import ApiToken, Block, FriendRequest, Friendship, User

PEOPLE_PAGE_SIZE = 20


class Relationship(StrEnum):
    SELF = "self"
    NONE = "none"
    FRIENDS = "friends"
    REQUEST_SENT = "request_sent"
    REQUEST_RECEIVED = "request_received"
    BLOCKED = "blocked"  # the viewer blocked them
    BLOCKED_BY = "blocked_by"  # they blocked the viewer


def friendship_between(a: User, b: User) -> Friendship | None:
    low, high = sorted((a.pk, b.pk))
    return Friendship.objects.filter(user_low_id=low, user_high_id=high).first()


def are_friends(a: User, b: User) -> bool:
    low, high = sorted((a.pk, b.pk))
    return Friendship.objects.filter(user_low_id=low, user_high_id=high).exists()


def is_blocked_either_way(a: User | int, b: User | int) -> bool:
    """Whether either of two users (or user ids) blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def relationship(viewer: User, other: User) -> Relationship:
    """How `other` stands to `viewer`, for the buttons on a profile page."""
    if viewer.pk == other.pk:
        return Relationship.SELF
    blocks = set(
        Block.objects.filter(
            Q(blocker=viewer, blocked=other) | Q(blocker=other, blocked=viewer)
        ).values_list("blocker_id", flat=True)
    )
    if viewer.pk in blocks:
        return Relationship.BLOCKED
    if other.pk in blocks:
        return Relationship.BLOCKED_BY
    if are_friends(viewer, other):
        return Relationship.FRIENDS
    pending = FriendRequest.objects.filter(
        Q(from_user=viewer, to_user=other) | Q(from_user=other, to_user=viewer)
    ).values_list("from_user_id", flat=True)
    senders = set(pending)
    if viewer.pk in senders:
        return Relationship.REQUEST_SENT
    if other.pk in senders:
        return Relationship.REQUEST_RECEIVED
    return Relationship.NONE


def friends_of(user: User) -> QuerySet[User]:
    """Everyone `user` is friends with, by name."""
    return (
        User.objects.filter(
            Q(Exists(Friendship.objects.filter(user_low=user, user_high=OuterRef("pk"))))
            | Q(Exists(Friendship.objects.filter(user_high=user, user_low=OuterRef("pk"))))
        )
        .filter(is_active=True)
        .order_by("username")
    )


def incoming_requests(user: User) -> QuerySet[FriendRequest]:
    return FriendRequest.objects.filter(to_user=user, from_user__is_active=True).select_related(
        "from_user"
    )


def outgoing_requests(user: User) -> QuerySet[FriendRequest]:
    return FriendRequest.objects.filter(from_user=user, to_user__is_active=True).select_related(
        "to_user"
    )


def incoming_request_count(user: User) -> int:
    return incoming_requests(user).count()


def pending_invite_count(user: User) -> int:
    """Room invitations waiting for `user`'s answer (the navigation's Rooms badge)."""
    return user.room_invites.count()


def blocked_by(user: User) -> QuerySet[User]:
    """The users `user` has blocked."""
    return User.objects.filter(blocks_received__blocker=user).order_by("username")


def people_matching(viewer: User, query: str, *, friends_only: bool = False) -> QuerySet[User]:
    """Active users other than `viewer` whose username or display name starts with `query`
    (only `viewer`'s friends if `friends_only`).

    Case-insensitive; a display name also matches on the start of any of its words.
    Ordered by username.
    """
    people = friends_of(viewer) if friends_only else User.objects.filter(is_active=True)
    people = people.exclude(pk=viewer.pk)
    query = query.strip()
    if query:
        people = people.filter(
            Q(username__istartswith=query)
            | Q(display_name__istartswith=query)
            | Q(display_name__icontains=f" {query}")
        )
    return people.order_by("username")


def people_search(viewer: User, query: str, page: int | str = 1) -> Page[User]:
    """people_matching, PEOPLE_PAGE_SIZE a page (an out-of-range page gives the last)."""
    return Paginator(people_matching(viewer, query), PEOPLE_PAGE_SIZE).get_page(page)


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """`user`'s personal access tokens, newest first (revoked and expired included)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def bots_of(owner: User) -> QuerySet[User]:
    """The bots `owner` made, deactivated ones included, by username."""
    return User.objects.filter(is_bot=True, bot_owner=owner).order_by("username")
