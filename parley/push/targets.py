"""Who is pushed a new message: the members its policy says want it on the push channel
(parley.notifications.policy: do-not-disturb, the push switch, the conversation's level;
never the sender), who have a browser subscribed, and who are not reading Parley right
now (parley.notifications.presence: a socket active on some device).
"""

from parley.messaging.models import Message
from parley.notifications import presence
from parley.notifications.policy import notification_targets
from parley.push.models import PushSubscription


def push_targets(message: Message) -> list[int]:
    """The members a message notifies by push, each with a browser subscribed. Four
    queries."""
    wanted = [user_id for user_id, channels in notification_targets(message).items()
              if "push" in channels]  # fmt: skip
    if not wanted:
        return []
    with_browser = PushSubscription.objects.filter(user_id__in=wanted)
    return sorted(set(with_browser.values_list("user_id", flat=True)))


def reading_now(user_ids: list[int]) -> set[int]:
    """Those of `user_ids` active in Parley on some device right now (a tab shown and used
    lately): they see the message there, so no device of theirs is pushed it. One read of
    the presence records (Redis, or this process's memory)."""
    return {user_id for user_id, status in presence.statuses(user_ids).items()
            if status == "online"}  # fmt: skip
