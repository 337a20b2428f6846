from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from parley.realtime.publish import end_session


@receiver(user_logged_out)
def close_sockets_of_ended_session(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A user who logs out stops receiving events at once, on every socket of that login."""
    user = kwargs.get("user")
    if request is not None and user is not None and request.session.session_key:
        end_session(user.pk, request.session.session_key)
