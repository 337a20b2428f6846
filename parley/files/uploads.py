"""The upload handler that counts each multipart file as Django's parser reads it.

First in settings.FILE_UPLOAD_HANDLERS: a file that grows past settings.FILES_MAX_BYTES
stops the parser at that chunk (StopUpload), and nothing of it is kept; the request is
marked (refused_upload) and the upload endpoint answers 413 (too_large). It does not
raise an error itself: the parser runs wherever request.POST is first read (a middleware
may be first), where an error would not reach the API's error handling.

The ASGI body bound (parley/core/asgi_limits.py) has already refused a body whose
Content-Length says more; this catches several files in one body, and any server that
does not bound bodies.
"""

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from parley.core.errors import ErrorCode, ParleyError


def too_large() -> ParleyError:
    megabytes = settings.FILES_MAX_BYTES / 1_048_576
    return ParleyError(ErrorCode.TOO_LARGE, f"A file may be at most {megabytes:g} MB.")


class BoundedUploadHandler(FileUploadHandler):
    """Passes each chunk on to the next handler, refusing a file past the limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.FILES_MAX_BYTES:
            if self.request is not None:
                self.request.refused_upload = too_large()  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def check_not_refused(request: HttpRequest) -> None:
    """Raise the refusal BoundedUploadHandler marked `request` with, if any."""
    refusal: ParleyError | None = getattr(request, "refused_upload", None)
    if refusal is not None:
        raise refusal
