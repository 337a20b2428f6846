from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "parley.push"
    label = "push"
    verbose_name = "Web Push"
