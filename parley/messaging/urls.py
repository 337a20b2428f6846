from django.urls import include, path

from parley.messaging.views import api

urlpatterns = [
    path("", include("parley.messaging.urls_chat")),
    path("", include("parley.messaging.urls_rooms")),
    path("api/conversations/", api.conversations, name="api_conversations"),
    path(
        "api/conversations/<int:conversation_id>/messages/",
        api.messages,
        name="api_messages",
    ),
]
