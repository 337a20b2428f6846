"""The messaging URLs: the chat page, the room pages and the JSON API of conversations."""

from django.urls import include, path

from parley.messaging.views import api

urlpatterns = [
    path("", include("parley.messaging.urls_chat")),
    path("", include("parley.messaging.urls_rooms")),
    path("api/conversations/", api.conversations, name="api_conversations"),
    path(
        "api/conversations/<id:conversation_id>/messages/",
        api.messages,
        name="api_messages",
    ),
    path(
        "api/conversations/<id:conversation_id>/members/",
        api.members,
        name="api_conversation_members",
    ),
    path("api/messages/<id:message_id>/edits/", api.message_versions, name="api_message_edits"),
    path("api/preview/", api.preview, name="api_preview"),
]
