"""Rooms, invitations and group conversations: HTML pages (parley/messaging/views/rooms.py).

"new" and "invites" are not room addresses (actions.rooms.RESERVED_SLUGS), so the fixed
paths below never shadow a room.
"""

from django.urls import path

from parley.messaging.views import groups, rooms

urlpatterns = [
    path("rooms/", rooms.room_list, name="rooms"),
    path("rooms/new/", rooms.room_new, name="room_new"),
    path("rooms/invites/<id:invite_id>/accept/", rooms.invite_accept, name="invite_accept"),
    path("rooms/invites/<id:invite_id>/decline/", rooms.invite_decline, name="invite_decline"),
    path("rooms/<slug:slug>/", rooms.room_detail, name="room"),
    path("rooms/<slug:slug>/join/", rooms.room_join, name="room_join"),
    path("rooms/<slug:slug>/leave/", rooms.room_leave, name="room_leave"),
    path("rooms/<slug:slug>/chats/new/", rooms.chat_new, name="chat_new"),
    path("rooms/<slug:slug>/settings/", rooms.room_settings, name="room_settings"),
    path("rooms/<slug:slug>/settings/invite/", rooms.room_invite, name="room_invite"),
    path(
        "rooms/<slug:slug>/settings/invites/<id:invite_id>/cancel/",
        rooms.room_invite_cancel,
        name="room_invite_cancel",
    ),
    path(
        "rooms/<slug:slug>/settings/members/<id:user_id>/remove/",
        rooms.member_remove,
        name="member_remove",
    ),
    path(
        "rooms/<slug:slug>/settings/members/<id:user_id>/role/",
        rooms.member_role,
        name="member_role",
    ),
    path("rooms/<slug:slug>/settings/chats/<id:chat_id>/", rooms.chat_rename, name="chat_rename"),
    path("rooms/<slug:slug>/settings/archive/", rooms.room_archive, name="room_archive"),
    path("rooms/<slug:slug>/delete/", rooms.room_delete, name="room_delete"),
    path("groups/new/", groups.group_new, name="group_new"),
]
