"""Serving attachments, each request checked by parley.files.access.

`download`: always as a download (Content-Disposition: attachment, with the name in
RFC 6266's form), with the type Parley detected. `view` and `thumbnail`: an image shown
inline, only as JPEG, PNG, GIF or WebP (types that cannot run script). Every answer
carries nosniff and a CSP that sandboxes it and allows nothing, so even a file opened
directly can neither run nor fetch anything. With settings.FILES_ACCEL_REDIRECT_PREFIX
the bytes come from the reverse proxy (X-Accel-Redirect) after the same check.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from parley.core.errors import ParleyError
from parley.core.http import AuthenticatedRequest
from parley.files.access import access_attachment
from parley.files.detect import IMAGE_TYPES
from parley.files.models import Attachment

_INLINE_TYPES = frozenset(IMAGE_TYPES.values())


def _checked(request: AuthenticatedRequest, attachment_id: int) -> Attachment:
    try:
        return access_attachment(request.user, attachment_id)
    except ParleyError as error:
        raise Http404(error.message) from error


def serve(name: str, content_type: str, disposition: str) -> HttpResponse:
    prefix = settings.FILES_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            stored = storages["default"].open(name)
        except FileNotFoundError:
            raise Http404("That file was not found.") from None
        response = FileResponse(stored, content_type=content_type)  # type: ignore[assignment]
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Private: a shared cache must not keep what another person may not fetch.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_safe
def download(request: AuthenticatedRequest, attachment_id: int) -> HttpResponse:
    attachment = _checked(request, attachment_id)
    disposition = content_disposition_header(True, attachment.name)
    assert disposition is not None
    return serve(attachment.path, attachment.content_type, disposition)


@login_required
@require_safe
def view(request: AuthenticatedRequest, attachment_id: int) -> HttpResponse:
    attachment = _checked(request, attachment_id)
    if attachment.content_type not in _INLINE_TYPES:
        raise Http404("That file is not an image.")
    return serve(attachment.path, attachment.content_type, "inline")


@login_required
@require_safe
def thumbnail(request: AuthenticatedRequest, attachment_id: int) -> HttpResponse:
    attachment = _checked(request, attachment_id)
    if not attachment.thumbnail:
        raise Http404("That file has no thumbnail.")
    return serve(attachment.thumbnail, "image/webp", "inline")
