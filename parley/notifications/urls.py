"""Settings → Notifications, the conversation menu's level, the unsubscribe link."""

from django.urls import path

from parley.notifications import views

urlpatterns = [
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path(
        "chat/<id:conversation_id>/notifications/",
        views.set_conversation_level,
        name="set_conversation_level",
    ),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
