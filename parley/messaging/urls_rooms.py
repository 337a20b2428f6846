"""Rooms, invitations and group conversations: HTML pages (parley/messaging/views/rooms.py)."""

urlpatterns: list = []
