from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "parley.integrations"
    label = "integrations"
    verbose_name = "Integrations"
