"""Room invitations reach the invitee live: invite.received when one is made, and
invite.removed when it is accepted, declined or cancelled (docs/protocol.md)."""

import pytest
from django.urls import reverse

from parley.messaging.actions import rooms
from parley.messaging.models import RoomInvite

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_invitation_and_its_end_reach_the_invitee_only(alice, bob, carol, listener):
    listener.subscribe(alice, bob, carol)
    room = rooms.check_create_room(alice, title="Secret", is_public=False)
    listener.events_for(alice)  # her own joining of the room's chat

    invite = rooms.check_invite_to_room(alice, room, bob)
    rooms.check_invite_to_room(alice, room, bob)  # again: still the one invitation

    [event] = listener.events_for(bob)
    assert event == {
        "type": "invite.received",
        "invite": {
            "id": invite.pk,
            "room": {"id": room.pk, "slug": room.slug, "title": "Secret", "archived": False},
            "invited_by": {
                "id": alice.pk,
                "username": "alice",
                "name": "Alice Liddell",
                "avatar": None,
                "bot": False,
            },
            "created_at": invite.created_at.isoformat(),
        },
    }
    assert listener.types_for(alice) == [] and listener.types_for(carol) == []

    rooms.do_decline_invite(bob, invite.pk)
    assert listener.events_for(bob) == [
        {"type": "invite.removed", "invite": invite.pk, "reason": "declined"}
    ]

    again = rooms.check_invite_to_room(alice, room, carol)
    rooms.check_cancel_invite(alice, room, again.pk)
    assert listener.types_for(carol) == ["invite.received", "invite.removed"]

    third = rooms.check_invite_to_room(alice, room, bob)
    listener.events_for(bob)
    rooms.check_accept_invite(bob, third.pk)
    removed = [e for e in listener.events_for(bob) if e["type"] == "invite.removed"]
    assert removed == [{"type": "invite.removed", "invite": third.pk, "reason": "accepted"}]


def test_the_chat_page_carries_pending_invitations_and_requests(alice, bob, carol, bob_client):
    room = rooms.check_create_room(alice, title="Secret", is_public=False)
    rooms.check_invite_to_room(alice, room, bob)
    bob_client.force_login(bob)

    response = bob_client.get(reverse("chat"))
    page = response.content.decode()

    assert response.context["chat_data"]["invites"][0]["room"]["title"] == "Secret"
    assert 'id="nav-rooms-badge" aria-label="1 invitation">1</span>' in page
    assert RoomInvite.objects.count() == 1
