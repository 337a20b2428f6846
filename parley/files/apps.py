from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "parley.files"
    label = "files"
    verbose_name = "Files"

    def ready(self) -> None:
        from parley.files import signals  # noqa: F401  (deletes stored files with their rows)
