"""`manage.py delete_orphan_files`: the orphan sweep of parley/files/jobs.py, now."""

from typing import Any

from django.core.management.base import BaseCommand

from parley.files.actions import delete_orphans


class Command(BaseCommand):
    help = "Delete uploads never sent within FILES_ORPHAN_SECONDS, and files of gone messages."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Deleted {delete_orphans()} orphan attachments.")
