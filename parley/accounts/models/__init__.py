from parley.accounts.models.friends import Block, FriendRequest, Friendship
from parley.accounts.models.user import User

__all__ = ["Block", "FriendRequest", "Friendship", "User"]
