from django.urls import include, path

urlpatterns = [
    path("", include("parley.messaging.urls_chat")),
    path("", include("parley.messaging.urls_rooms")),
]
