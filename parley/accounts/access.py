"""Fetch-with-permission helpers: each raises the same not-found for missing and forbidden."""

from parley.accounts.models import FriendRequest, User
from parley.core.errors import not_found


def access_user(username: str) -> User:
    """An active user by username (any case), for any signed-in viewer."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise not_found("That person")
    return user


def access_incoming_request(user: User, request_id: int) -> FriendRequest:
    """A pending request addressed to `user`."""
    return _pending_request(pk=request_id, to_user=user)


def access_outgoing_request(user: User, request_id: int) -> FriendRequest:
    """A pending request sent by `user`."""
    return _pending_request(pk=request_id, from_user=user)


def _pending_request(**where: object) -> FriendRequest:
    request = FriendRequest.objects.select_related("from_user", "to_user").filter(**where).first()
    if request is None:
        raise not_found("That friend request")
    return request


def access_bot(owner: User, bot_id: int) -> User:
    """One of `owner`'s bots (active or not); any other user is not found."""
    bot = User.objects.filter(pk=bot_id, is_bot=True, bot_owner=owner).first()
    if bot is None:
        raise not_found("That bot")
    return bot
