from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "parley.notifications"
    label = "notifications"
    verbose_name = "Notifications"
