from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "parley.broadcasts"
    label = "broadcasts"
    verbose_name = "Broadcasts"
