"""Messaging's background jobs: a message posted after a request (a GitHub delivery, a
bot's reply to an outgoing webhook), through the one send path."""

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.jobs.queue import GiveUp, job
from parley.messaging.actions.send import check_send_message

# Refusals that pass: the job is retried. Any other refusal stays (GiveUp).
_PASSING = {ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL}


@job()
def post_message(*, sender_id: int, client_id: str, body: str, conversation_id: int) -> int:
    """Post `body` to a conversation as user `sender_id`; the message's id.

    `client_id` is chosen by whoever enqueues the job, from what caused it (a delivery's
    id), so that every run of the job, a retry or a run after a worker was lost between
    the send and the job's end, sends the same message: the send path answers a repeat
    with the original, and the conversation gets it once. A refusal that passes (the rate
    limit, the database away) is retried; one that stays (the conversation gone, the
    sender no longer allowed to post there) fails the job at once.
    """
    sender = User.objects.filter(pk=sender_id, is_active=True).first()
    if sender is None:
        raise GiveUp(f"User {sender_id} is gone or deactivated.")
    try:
        result = check_send_message(
            sender, client_id=client_id, body=body, conversation_id=conversation_id
        )
    except ParleyError as error:
        if error.code in _PASSING:
            raise
        raise GiveUp(f"{error.code}: {error.message}") from error
    return result.message.pk
