"""The chat page (parley/messaging/views/chat.py) and the video rooms page beside it."""

from django.urls import path

from parley.messaging.views import chat, emoji, video_rooms

urlpatterns = [
    path("emoji/<slug:digest>.json", emoji.emoji_index, name="emoji_index"),
    path("chat/", chat.chat, name="chat"),
    path("chat/<id:conversation_id>/", chat.chat, name="chat_conversation"),
    path("video-rooms/", video_rooms.video_rooms, name="video_rooms"),
]
