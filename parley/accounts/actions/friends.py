"""Friend requests, friendships and blocks.

Each function validates (raising ParleyError), writes inside one transaction with
both users' rows locked in id order, and publishes events to both users after commit.
"""

from typing import Literal

from django.db import transaction
from django.db.models import Q

from parley.accounts import events
from parley.accounts.access import access_incoming_request, access_outgoing_request
from parley.accounts.models import Block, FriendRequest, Friendship, User
from parley.accounts.selectors import Relationship, friendship_between
from parley.core.access import end_access
from parley.core.errors import ErrorCode, ParleyError
from parley.events.publish import publish_hidden, publish_to_users


def _lock_pair(a: User, b: User) -> None:
    """Serialise every change between the same two people (ids in order: no deadlock)."""
    list(User.objects.select_for_update().filter(pk__in=(a.pk, b.pk)).order_by("pk"))


def check_send_friend_request(actor: User, target: User) -> Relationship:
    """Ask `target` to be friends. If they already asked `actor`, this accepts instead.

    Returns the new relationship: REQUEST_SENT or FRIENDS. Sending again is harmless.
    """
    if actor.pk == target.pk:
        raise ParleyError(ErrorCode.INVALID, "You can't send a friend request to yourself.")
    with transaction.atomic():
        _lock_pair(actor, target)
        if Block.objects.filter(blocker=actor, blocked=target).exists():
            raise ParleyError(
                ErrorCode.FORBIDDEN, f"You blocked {target.name}. Unblock them first."
            )
        if Block.objects.filter(blocker=target, blocked=actor).exists():
            raise ParleyError(
                ErrorCode.FORBIDDEN, f"You can't send {target.name} a friend request."
            )
        if friendship_between(actor, target):
            raise ParleyError(ErrorCode.CONFLICT, f"You are already friends with {target.name}.")
        return do_send_friend_request(actor, target)


def do_send_friend_request(actor: User, target: User) -> Relationship:
    """Store `actor`'s request to `target`, or make them friends if `target` asked first.

    Inside check_send_friend_request's transaction, with both rows locked.
    """
    if FriendRequest.objects.filter(from_user=target, to_user=actor).exists():
        do_accept_friend_request(actor, target)
        return Relationship.FRIENDS
    request, created = FriendRequest.objects.get_or_create(from_user=actor, to_user=target)
    if created:
        publish_to_users(
            [actor.pk, target.pk], events.friend_request_event("request_received", request)
        )
    return Relationship.REQUEST_SENT


def check_cancel_friend_request(actor: User, request_id: int) -> None:
    """Withdraw a request `actor` sent."""
    with transaction.atomic():
        request = access_outgoing_request(actor, request_id)
        _lock_pair(actor, request.to_user)
        do_cancel_friend_request(actor, request)


def do_cancel_friend_request(actor: User, request: FriendRequest) -> None:
    """Delete `actor`'s request, if it is still there. Inside a transaction with both
    rows locked (check_cancel_friend_request)."""
    _delete_request(request, "request_cancelled", [actor.pk, request.to_user_id])


def check_accept_friend_request(actor: User, request_id: int) -> User:
    """Accept a request addressed to `actor`; returns the new friend."""
    with transaction.atomic():
        request = access_incoming_request(actor, request_id)
        _lock_pair(actor, request.from_user)
        if not FriendRequest.objects.filter(pk=request.pk).exists():
            raise ParleyError(ErrorCode.NOT_FOUND, "That friend request was not found.")
        do_accept_friend_request(actor, request.from_user)
        return request.from_user


def do_accept_friend_request(a: User, b: User) -> None:
    """Make `a` and `b` friends and drop the requests between them. Inside a transaction
    with both rows locked (check_accept_friend_request, check_send_friend_request)."""
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.get_or_create(user_low=low, user_high=high)
    FriendRequest.objects.filter(Q(from_user=a, to_user=b) | Q(from_user=b, to_user=a)).delete()
    publish_to_users([a.pk], events.friend_added_event(b))
    publish_to_users([b.pk], events.friend_added_event(a))


def check_decline_friend_request(actor: User, request_id: int) -> None:
    """Decline a request addressed to `actor`. The sender may ask again later."""
    with transaction.atomic():
        request = access_incoming_request(actor, request_id)
        _lock_pair(actor, request.from_user)
        do_decline_friend_request(actor, request)


def do_decline_friend_request(actor: User, request: FriendRequest) -> None:
    """Delete a request addressed to `actor`, if it is still there. Inside a transaction
    with both rows locked (check_decline_friend_request)."""
    _delete_request(request, "request_declined", [actor.pk, request.from_user_id])


def _delete_request(
    request: FriendRequest,
    kind: Literal["request_cancelled", "request_declined"],
    user_ids: list[int],
) -> None:
    """Delete the request and, if it was still there, tell both people (`kind`)."""
    deleted, _ = FriendRequest.objects.filter(pk=request.pk).delete()
    if deleted:
        publish_to_users(user_ids, events.friend_request_event(kind, request))


def check_remove_friend(actor: User, friend: User) -> None:
    """End the friendship between `actor` and `friend`."""
    with transaction.atomic():
        _lock_pair(actor, friend)
        friendship = friendship_between(actor, friend)
        if friendship is None:
            raise ParleyError(ErrorCode.NOT_FOUND, f"You are not friends with {friend.name}.")
        do_remove_friend(actor, friend, friendship)


def do_remove_friend(actor: User, friend: User, friendship: Friendship) -> None:
    """Delete their friendship and tell both. Inside a transaction with both rows locked
    (check_remove_friend, do_block_user)."""
    friendship.delete()
    publish_to_users([actor.pk], events.friend_removed_event(friend))
    publish_to_users([friend.pk], events.friend_removed_event(actor))


def check_block_user(actor: User, target: User) -> None:
    """Block `target`: ends a friendship and pending requests, and refuses new ones.

    The blocked user is not told; they see the friendship or request disappear.
    """
    if actor.pk == target.pk:
        raise ParleyError(ErrorCode.INVALID, "You can't block yourself.")
    do_block_user(actor, target)


def do_block_user(actor: User, target: User) -> None:
    """Store the block (once) and end what was between the two (check_block_user)."""
    with transaction.atomic():
        _lock_pair(actor, target)
        _, created = Block.objects.get_or_create(blocker=actor, blocked=target)
        if not created:
            return
        # Their direct conversation takes no more messages, nor a call: the blocker is out
        # of it (parley.core.access), which ends a direct call for both.
        end_access([actor.pk], "blocked", peer=target.pk)
        _hide_from_each_other(actor, target, hidden=True)
        friendship = friendship_between(actor, target)
        if friendship is not None:
            do_remove_friend(actor, target, friendship)
        pending = FriendRequest.objects.select_related("from_user", "to_user").filter(
            Q(from_user=actor, to_user=target) | Q(from_user=target, to_user=actor)
        )
        for request in pending:
            publish_to_users(
                [actor.pk, target.pk], events.friend_request_event("request_cancelled", request)
            )
        pending.delete()


def do_unblock_user(actor: User, target: User) -> None:
    """Lift `actor`'s block on `target`. Friendship is not restored."""
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=actor, blocked=target).delete()
        if deleted and not Block.objects.filter(blocker=target, blocked=actor).exists():
            _hide_from_each_other(actor, target, hidden=False)


def _hide_from_each_other(a: User, b: User, hidden: bool) -> None:
    """Each one's sockets stop (or start again) hearing the other's typing and presence."""
    publish_hidden(a.pk, b.pk, hidden)
    publish_hidden(b.pk, a.pk, hidden)
