"""Who may fetch an attachment: Zulip's rule, one query.

A sent file is served to members of the conversation whose message holds it, while that
message is not deleted (a moved message takes its files along: they follow the copy). An
unsent upload is served to its uploader alone. Anything else, a file that does not exist
included, is the same not_found.
"""

from django.db.models import Exists, OuterRef, Q

from parley.accounts.models import User
from parley.core.errors import ParleyError, not_found
from parley.files.models import Attachment
from parley.messaging.models import Participant


def readable_attachments(user: User) -> Q:
    """The attachments `user` may fetch, as a filter on Attachment."""
    member = Participant.objects.filter(
        conversation_id=OuterRef("message__conversation_id"), user=user
    )
    return Q(message__isnull=True, attached_at__isnull=True, uploader=user) | Q(
        Exists(member),
        message__isnull=False,
        message__deleted_at__isnull=True,
        message__moved_to__isnull=True,
    )


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """The attachment if `user` may fetch it (see the module's docstring)."""
    attachment = Attachment.objects.filter(readable_attachments(user), pk=attachment_id).first()
    if attachment is None:
        raise _missing()
    return attachment


def _missing() -> ParleyError:
    return not_found("That file")
