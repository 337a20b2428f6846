"""The core app: registers the <id:…> URL converter that every app's URLs use."""

from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "parley.core"
    label = "core"

    def ready(self) -> None:
        from parley.core.converters import IdConverter

        # <id:…> in every app's URLs: a bounded database id (see IdConverter).
        register_converter(IdConverter, "id")
