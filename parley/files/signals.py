"""An attachment's stored files go with its row, however the row is deleted (the orphan
sweep, a conversation or a user deleted in cascade), once that deletion commits."""

from typing import Any

from django.core.files.storage import storages
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from parley.files.models import Attachment


@receiver(post_delete, sender=Attachment)
def delete_stored_files(sender: type[Attachment], instance: Attachment, **kwargs: Any) -> None:
    names = [name for name in (instance.path, instance.thumbnail) if name]

    def delete() -> None:
        storage = storages["default"]
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
