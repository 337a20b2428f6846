from django.urls import path

from parley.messaging.views import api

urlpatterns = [
    path("api/conversations/", api.conversations, name="api_conversations"),
    path(
        "api/conversations/<int:conversation_id>/messages/",
        api.messages,
        name="api_messages",
    ),
]
