"""People: who the caller is."""

from ninja import Router

from parley.accounts.events import user_summary
from parley.api.shapes import ERRORS
from parley.core.http import AuthenticatedRequest
from parley.events.catalogue import UserSummary

router = Router(tags=["users"])


@router.get("/me", response={200: UserSummary, **ERRORS})
def me(request: AuthenticatedRequest) -> UserSummary:
    """The signed-in user (the token's owner)."""
    return user_summary(request.user)
