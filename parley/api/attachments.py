"""Files over the API: a script downloads an attachment it may read, with its token.

The same rule and headers as the web client's /files/ addresses (parley/files/views.py);
uploads are under the conversation they go to (parley/api/conversations.py).
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from parley.api.shapes import ERRORS
from parley.api.types import Id
from parley.core.http import AuthenticatedRequest
from parley.files.access import access_attachment
from parley.files.views import serve

router = Router(tags=["attachments"])

_BINARY = {
    "responses": {
        200: {
            "description": "The file, as a download, with the type Parley found in it.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/{attachment_id}/download",
    response={**ERRORS},
    url_name="download_attachment",
    openapi_extra=_BINARY,
)
def download_attachment(request: AuthenticatedRequest, attachment_id: Id) -> HttpResponse:
    """A file of a message you can read (or your own upload not sent yet): 404 for any
    other, as for one that does not exist, or whose message was deleted."""
    attachment = access_attachment(request.user, attachment_id)
    disposition = content_disposition_header(True, attachment.name)
    assert disposition is not None
    return serve(attachment.path, attachment.content_type, disposition)
