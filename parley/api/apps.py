from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "parley.api"
    label = "parley_api"
    verbose_name = "REST API"
