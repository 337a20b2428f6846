"""The search app: after every migrate, puts back the SQLite search triggers (schema.py)."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "parley.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from parley.search.schema import repair_after_migrate

        post_migrate.connect(repair_after_migrate, sender=self, dispatch_uid="parley.search")
