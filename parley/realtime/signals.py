"""Sockets closed when their login sessions end: receivers of Django's user_logged_out and
of parley.accounts.sessions.sessions_ended, publishing through parley.events.publish."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from parley.accounts.sessions import sessions_ended
from parley.events.publish import end_session, end_sessions


@receiver(user_logged_out)
def close_sockets_of_ended_session(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A user who logs out stops receiving events at once, on every socket of that login."""
    user = kwargs.get("user")
    if request is not None and user is not None and request.session.session_key:
        end_session(user.pk, request.session.session_key)


@receiver(sessions_ended)
def close_sockets_of_other_sessions(
    sender: Any, user_id: int, keep: str | None, kept_as: str | None, **kwargs: Any
) -> None:
    """Credentials changed (password, log out everywhere, deactivation): every socket of
    the user closes but those of the session that made the change, if it kept itself."""
    end_sessions(user_id, keep, kept_as)
