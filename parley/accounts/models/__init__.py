from parley.accounts.models.friends import Block, FriendRequest, Friendship
from parley.accounts.models.tokens import ApiToken
from parley.accounts.models.user import User

__all__ = ["ApiToken", "Block", "FriendRequest", "Friendship", "User"]
