"""People: who the caller is, finding people, someone's profile (with how they stand to
the caller, as the profile page shows it), and changing one's own name and bio."""

from typing import Annotated, Any

from annotated_types import MaxLen
from ninja import Router
from pydantic import Field

from parley.accounts.access import access_user
from parley.accounts.actions.profile import do_update_profile
from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.accounts.selectors import people_matching, relationship
from parley.api.paging import paged
from parley.api.shapes import ERRORS, PeoplePage, Profile
from parley.api.types import Id, Input, UpTo100, Username
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import UserSummary
from parley.messaging.access import access_room_by_id, may_message_directly
from parley.messaging.actions.rooms import check_room_manager
from parley.messaging.selectors import invitable_people

router = Router(tags=["users"])


def profile_of(viewer: User, person: User) -> Profile:
    """What the profile page shows `viewer` of `person`."""
    return {
        **user_summary(person),
        "display_name": person.display_name,
        "bio": person.bio,
        "photo": person.avatar.url if person.avatar else None,
        "relationship": relationship(viewer, person).value,
        "can_message": person.pk != viewer.pk and may_message_directly(viewer, person),
    }


@router.get("", response={200: PeoplePage, **ERRORS}, url_name="people")
def people(
    request: AuthenticatedRequest,
    q: Annotated[str, MaxLen(64)] = "",
    after: Username | None = None,
    limit: UpTo100 = 50,
    friends: bool = False,
    invitable_to: Id | None = None,
) -> dict[str, Any]:
    """Active people other than you whose username or display name starts with `q` (any
    case; also the start of any word of a display name), by username: the people page's
    search. Everyone when `q` is empty. The next page is `after` the last username of
    this one (`next`).

    `friends=true` keeps your friends only (whom a group conversation takes).
    `invitable_to` (a room id) keeps those you could invite to that room now: not
    members, not invited already, neither blocking nor blocked by you. Only the room's
    owner and admins may ask (403 for other members; 404 for a room you cannot see)."""
    found = people_matching(request.user, q, friends_only=friends)
    if invitable_to is not None:
        room, _ = access_room_by_id(request.user, invitable_to)
        check_room_manager(request.user, room)
        found = invitable_people(room, request.user, found)
    return paged(found, after, limit, "people", user_summary)


@router.get("/me", response={200: UserSummary, **ERRORS}, url_name="me")
def me(request: AuthenticatedRequest) -> UserSummary:
    """The signed-in user (the token's owner)."""
    return user_summary(request.user)


class ProfileIn(Input):
    display_name: Annotated[str, MaxLen(64)] | None = Field(
        None, description='How others see you; "" to be shown by your username.'
    )
    bio: Annotated[str, MaxLen(500)] | None = Field(None, description="About you.")


@router.patch("/me", response={200: Profile, **ERRORS}, url_name="edit_profile")
def edit_profile(request: AuthenticatedRequest, data: ProfileIn) -> Profile:
    """Change your display name and bio (leading and trailing spaces are dropped); a
    field left out (or null) stays as it is. Your photo is changed on the profile page
    (Settings → Profile) for now."""
    check_rate("profile", request.user.pk)
    user = request.user
    do_update_profile(
        user,
        display_name=user.display_name if data.display_name is None else data.display_name,
        bio=user.bio if data.bio is None else data.bio,
    )
    return profile_of(user, user)


@router.get("/{username}", response={200: Profile, **ERRORS}, url_name="profile")
def profile(request: AuthenticatedRequest, username: str) -> Profile:
    """Someone's profile, and how they stand to you: `relationship` is none, friends,
    request_sent, request_received, blocked (you blocked them), blocked_by (they blocked
    you) or self. Deactivated and unknown people are alike not found."""
    return profile_of(request.user, access_user(username))
