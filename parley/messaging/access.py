"""Fetch-with-permission for conversations: missing and forbidden look the same."""

from django.db import connection

from parley.accounts.models import User
from parley.core.errors import not_found
from parley.messaging.models import Conversation, Message, Participant, Room, RoomMember


def access_participant(user: User, conversation_id: int) -> Participant:
    """`user`'s participation in a conversation they belong to, with the conversation."""
    participant = (
        Participant.objects.select_related("conversation", "conversation__room")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if participant is None:
        raise not_found("That conversation")
    return participant


def access_room(user: User, slug: str) -> tuple[Room, RoomMember | None]:
    """A room `user` may see (public, or private and a member), with their membership."""
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        raise not_found("That room")
    membership = RoomMember.objects.filter(room=room, user=user).first()
    if membership is None and not room.is_public:
        raise not_found("That room")
    return room, membership


def access_message(user: User, message_id: int) -> Message:
    """A message in a conversation `user` is in, with its conversation and room."""
    message = (
        Message.objects.select_related("conversation__room", "sender")
        .filter(pk=message_id, conversation__participants__user=user)
        .first()
    )
    if message is None:
        raise not_found("That message")
    return message


_SEND_ACCESS = f"""
SELECT c.kind, c.direct_key, c.room_id, r.is_archived
FROM {Participant._meta.db_table} p
JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
LEFT JOIN {Room._meta.db_table} r ON r.id = c.room_id
WHERE p.user_id = %s AND p.conversation_id = %s
"""  # noqa: S608 (table names from the models, values as parameters)


def access_for_send(user: User, conversation_id: int) -> tuple[Conversation, bool]:
    """The conversation `user` is sending to, and whether its room is archived.

    The send path's access check: one plain SELECT, without building an ORM query (that
    cost more CPU than the query itself). The Conversation carries only what sending
    needs: kind, direct_key and room_id.
    """
    with connection.cursor() as cursor:
        cursor.execute(_SEND_ACCESS, [user.pk, conversation_id])
        row = cursor.fetchone()
    if row is None:
        raise not_found("That conversation")
    kind, direct_key, room_id, archived = row
    conversation = Conversation(
        id=conversation_id, kind=kind, direct_key=direct_key, room_id=room_id
    )
    conversation._state.adding = False
    conversation._state.db = connection.alias
    return conversation, bool(archived)
