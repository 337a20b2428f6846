"""The chat page (parley/messaging/views/chat.py)."""

from django.urls import path

from parley.messaging.views import chat, emoji

urlpatterns = [
    path("emoji/<slug:digest>.json", emoji.emoji_index, name="emoji_index"),
    path("chat/", chat.chat, name="chat"),
    path("chat/<id:conversation_id>/", chat.chat, name="chat_conversation"),
]
