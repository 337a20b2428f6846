"""The messaging URLs: the chat page, the room pages and the JSON API of conversations."""

from django.urls import include, path

urlpatterns = [
    path("", include("parley.messaging.urls_chat")),
    path("", include("parley.messaging.urls_rooms")),
]
