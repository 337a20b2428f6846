"""Which bots a new message is for: those with an outgoing webhook that it mentions, and
the other person of a direct conversation when it is such a bot. Internal to the send path
(do_send_message), which calls it in the message's transaction only when the message
mentions someone or its direct conversation is with such a bot.

A mention costs one indexed query only when a mentioned member's username ends in "-bot"
(only bots' do: people cannot take such names); the direct conversation's bot comes from
the send's own access statement. A message of no bot costs nothing here.
"""

from parley.accounts.actions.bots import BOT_SUFFIX
from parley.accounts.models import User
from parley.jobs.queue import enqueue_on_commit
from parley.messaging.models import Message
from parley.messaging.rendering import Mentionable


def notify_bots(
    message: Message, mentionable: Mentionable, mentioned: list[int], direct_bot: int | None
) -> None:
    """Enqueue, with the caller's transaction, one delivery per bot to notify."""
    bot_ids = {direct_bot} if direct_bot is not None else set()
    named = {
        user_id
        for user_id, username in mentionable.values()
        if user_id in mentioned and username.lower().endswith(BOT_SUFFIX)
    }
    if named:
        with_endpoint = User.objects.filter(pk__in=named, is_bot=True, is_active=True).exclude(
            bot_endpoint_url=""
        )
        bot_ids.update(with_endpoint.values_list("pk", flat=True))
    bot_ids.discard(message.sender_id)
    if not bot_ids:
        return
    # The integrations app sits above messaging: imported here, when a bot is notified.
    from parley.integrations.outgoing.jobs import deliver_to_bot

    for bot_id in sorted(bot_ids):
        enqueue_on_commit(deliver_to_bot, bot_id=bot_id, message_id=message.pk)
