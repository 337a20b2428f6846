"""Group direct messages: 3 to 20 people, ad hoc; anyone in one can add people."""

from django.db import transaction

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.access import access_participant, may_message_directly
from parley.messaging.actions._membership import announce_joined, record_membership_change
from parley.messaging.actions.rooms import TITLE_MAX
from parley.messaging.models import Conversation, Participant

GROUP_MIN, GROUP_MAX = 3, 20


def _check_size(count: int) -> None:
    """`count` people, the actor included, must make a group."""
    if not GROUP_MIN <= count <= GROUP_MAX:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A group has {GROUP_MIN} to {GROUP_MAX} people, you included.",
            field="people",
        )


def _people(actor: User, user_ids: list[int]) -> list[User]:
    ids = set(user_ids) - {actor.pk}
    if len(ids) >= GROUP_MAX:  # refuse a long list before checking each of its people
        raise ParleyError(
            ErrorCode.INVALID, f"A group has at most {GROUP_MAX} people.", field="people"
        )
    people = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(people) != len(ids):
        raise ParleyError(ErrorCode.NOT_FOUND, "Some of those people were not found.")
    refused = [p.name for p in people if not may_message_directly(actor, p)]
    if refused:
        raise ParleyError(
            ErrorCode.FORBIDDEN,
            "You can add people you are friends with or share a room with; not "
            + ", ".join(refused)
            + ".",
        )
    return people


def check_create_group(actor: User, user_ids: list[int], title: str = "") -> Conversation:
    """A group conversation of `actor` and the given users (3 to 20 people in all)."""
    title = title.strip()
    if len(title) > TITLE_MAX:
        raise ParleyError(
            ErrorCode.INVALID, f"A title can be at most {TITLE_MAX} characters.", field="title"
        )
    _check_size(len(set(user_ids) - {actor.pk}) + 1)
    return do_create_group(actor, _people(actor, user_ids), title)


def do_create_group(actor: User, people: list[User], title: str) -> Conversation:
    """Create the group of `actor` and `people` and announce it to all of them."""
    with transaction.atomic():
        group = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title=title, created_by=actor
        )
        members = [actor, *people]
        Participant.objects.bulk_create(Participant(conversation=group, user=u) for u in members)
        record_membership_change(u.pk for u in members)
        announce_joined(group, [u.pk for u in members])
    return group


def check_add_to_group(actor: User, conversation_id: int, user_ids: list[int]) -> Conversation:
    """Anyone in a group adds more people, up to 20."""
    group = access_participant(actor, conversation_id).conversation
    if group.kind != Conversation.Kind.GROUP:
        raise ParleyError(ErrorCode.INVALID, "People can be added to group conversations only.")
    return do_add_to_group(group, _people(actor, user_ids))


def do_add_to_group(group: Conversation, people: list[User]) -> Conversation:
    """Add those of `people` not yet in `group` and announce it to them.

    Locks the conversation row, so that two additions at once cannot pass the limit together.
    """
    with transaction.atomic():
        group = Conversation.objects.select_for_update().get(pk=group.pk)
        present = set(group.participants.values_list("user_id", flat=True))
        new = [p for p in people if p.pk not in present]
        if len(present) + len(new) > GROUP_MAX:
            raise ParleyError(ErrorCode.INVALID, f"A group has at most {GROUP_MAX} people.")
        Participant.objects.bulk_create(Participant(conversation=group, user=u) for u in new)
        record_membership_change(u.pk for u in new)
        announce_joined(group, [u.pk for u in new])
    return group
