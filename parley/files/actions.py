"""Writing attachments: an upload (check_upload, do_store_upload), attaching uploads to a
message as it is sent (access_for_attach, do_attach), and deleting orphans.

An upload is one file into a conversation its uploader is in; nothing is stored unless
every check passes. The send that references it (parley.messaging.actions.send) attaches
it inside the send's transaction, so a file is in exactly one message or in none.
"""

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.core.ratelimit import check_rate
from parley.files.detect import Detected, check_name, detect, refused
from parley.files.models import Attachment
from parley.files.uploads import too_large
from parley.messaging.access import access_for_send
from parley.messaging.models import Message

logger = logging.getLogger(__name__)

# Uploads a user may hold that no message has taken yet.
MAX_PENDING = 50


def check_upload(
    user: User, conversation_id: int, upload: UploadedFile | None, name: str | None = None
) -> Attachment:
    """Store `upload` as `user`'s attachment in a conversation they are in, named `name`
    if given, else by the multipart file name (which Django's parser has already cut to
    its last path component, without unprintable characters).

    Raises ParleyError: what a send there would (access_for_send: not_found for a
    conversation they are not in, the same as none; forbidden in an archived room or a
    direct conversation with a block), too_large, invalid with a `reason` (no file, an
    empty one, a bad name, a type that lies, too many pixels), conflict (too many uploads
    not yet sent), rate_limited.
    """
    check_rate("upload", user.pk)
    access_for_send(user, conversation_id)  # who may send here may upload here
    if upload is None:
        raise refused("no_file", 'Send the file as the multipart field "file".')
    name = check_name(upload.name or "" if name is None else name)
    if upload.size is None or upload.size > settings.FILES_MAX_BYTES:
        raise too_large()
    if upload.size == 0:
        raise refused("empty", "That file is empty.")
    pending = Attachment.objects.filter(uploader=user, attached_at__isnull=True).count()
    if pending >= MAX_PENDING:
        raise ParleyError(
            ErrorCode.CONFLICT,
            f"You have {pending} files uploaded and not sent; send or wait for them to expire.",
        )
    assert upload.file is not None
    detected = detect(upload.file, name, upload.content_type)
    return do_store_upload(user, conversation_id, upload, name, detected)


def do_store_upload(
    user: User, conversation_id: int, upload: UploadedFile, name: str, detected: Detected
) -> Attachment:
    """Save the file (and thumbnail) under unguessable names, then its row; the orphan
    sweep is enqueued with the row, for when it would be old enough. Trusts its input."""
    storage = storages["default"]
    token = secrets.token_urlsafe(24)
    upload.seek(0)
    path = storage.save(f"attachments/{token}", upload)
    thumbnail = ""
    try:
        if detected.thumbnail is not None:
            thumbnail = storage.save(
                f"attachments/{token}.thumb.webp", ContentFile(detected.thumbnail)
            )
        with transaction.atomic():
            attachment = Attachment.objects.create(
                uploader=user,
                conversation_id=conversation_id,
                name=name,
                content_type=detected.content_type,
                size=upload.size or 0,
                path=path,
                thumbnail=thumbnail,
                width=detected.width,
                height=detected.height,
            )
            _enqueue_sweep(attachment.created_at)
    except BaseException:
        for stored in filter(None, (path, thumbnail)):
            storage.delete(stored)
        raise
    return attachment


def _enqueue_sweep(created_at: datetime) -> None:
    from parley.files.jobs import sweep_orphans  # the job module imports this one
    from parley.jobs.queue import enqueue_on_commit

    due = created_at + timedelta(seconds=settings.FILES_ORPHAN_SECONDS + 60)
    enqueue_on_commit(sweep_orphans.using(run_after=due))


def access_for_attach(
    sender: User, conversation_id: int, attachment_ids: Sequence[int]
) -> list[Attachment]:
    """The sender's unsent uploads to this conversation, in the order given; raises
    ParleyError(invalid, field="attachments") if any is not (or repeats, or too many)."""
    ids = list(attachment_ids)
    limit = settings.FILES_MAX_PER_MESSAGE
    if len(ids) > limit:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A message may hold at most {limit} files.",
            field="attachments",
        )
    if len(set(ids)) != len(ids):
        raise ParleyError(ErrorCode.INVALID, "An attachment is listed twice.", field="attachments")
    found = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in=ids,
            uploader=sender,
            conversation_id=conversation_id,
            attached_at__isnull=True,
        )
    }
    if len(found) != len(ids):
        raise ParleyError(
            ErrorCode.INVALID,
            "An attachment was not found: upload it to this conversation first "
            "(each upload goes in one message).",
            field="attachments",
        )
    return [found[pk] for pk in ids]


def do_attach(message: Message, attachments: Sequence[Attachment]) -> None:
    """Put the uploads in `message`, in the caller's transaction (the send's). Raises
    ParleyError(conflict) if another send took one meanwhile: the send rolls back."""
    if not attachments:
        return
    taken = Attachment.objects.filter(
        pk__in=[a.pk for a in attachments], attached_at__isnull=True
    ).update(message=message, attached_at=message.created_at)
    if taken != len(attachments):
        raise ParleyError(
            ErrorCode.CONFLICT, "An attachment was sent in another message meanwhile."
        )


def delete_orphans(now: datetime | None = None) -> int:
    """Delete uploads never sent within settings.FILES_ORPHAN_SECONDS, and those whose
    message is gone for good (its conversation deleted), with their stored files.
    Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FILES_ORPHAN_SECONDS)
    orphans = Attachment.objects.filter(
        Q(attached_at__isnull=True, created_at__lte=cutoff)
        | Q(attached_at__isnull=False, message__isnull=True)
    )
    count = 0
    for attachment in orphans.iterator(chunk_size=500):
        attachment.delete()  # parley.files.signals deletes its files after the commit
        count += 1
    if count:
        logger.info("deleted %d orphan attachments", count)
    return count
