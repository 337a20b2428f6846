"""Login sessions end when the credentials behind them change.

A session stays valid while the hash stored in it at login matches the user's
get_session_auth_hash(), an HMAC of the password hash and session_epoch (see User):
Django checks it on every request and the socket on connect. So a password change or
reset, or "log out everywhere" (a new epoch), ends every session at once over HTTP, and
deactivation does too (the auth backend refuses inactive users). The session that made
the change keeps itself with update_session_auth_hash, inside keeping_session().

Open sockets are told through `sessions_ended`, sent after the commit of any save of a
User that ends sessions, whatever saved it (a view, the admin, the shell, an action);
parley.realtime closes them. (QuerySet.update() sends no signals: change users one by one.)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import HASH_SESSION_KEY, update_session_auth_hash
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest

from parley.accounts.models import User

# Sent with user_id, keep (the key of the one session that stays, or None for none) and
# kept_as (that session's key now: Django gives it a new one when it keeps it).
sessions_ended = Signal()

# The fields a session's validity depends on.
_FIELDS = ("password", "session_epoch", "is_active")


@dataclass
class _Keeping:
    user_id: int
    key: str
    ended: bool = False


_keeping: ContextVar[_Keeping | None] = ContextVar("parley_keeping_session", default=None)


@contextmanager
def keeping_session(request: HttpRequest) -> Iterator[None]:
    """Within this block, a change of the signed-in user's credentials ends their other
    sessions but not this request's, provided the block keeps it valid
    (update_session_auth_hash, as Django's password change view does)."""
    key = request.session.session_key
    if not request.user.is_authenticated or key is None:
        yield
        return
    keeping = _Keeping(request.user.pk, key)
    token = _keeping.set(keeping)
    try:
        yield
    finally:
        _keeping.reset(token)
    if keeping.ended:
        user = User.objects.get(pk=keeping.user_id)
        kept = request.session.get(HASH_SESSION_KEY) == user.get_session_auth_hash()
        _announce(
            keeping.user_id,
            keep=keeping.key if kept and user.is_active else None,
            kept_as=request.session.session_key,
        )


def log_out_other_sessions(request: HttpRequest) -> None:
    """End every login session of the signed-in user but this request's."""
    user = request.user
    assert isinstance(user, User)  # login_required views only
    with keeping_session(request), transaction.atomic():
        user.session_epoch += 1
        user.save(update_fields=["session_epoch"])
        update_session_auth_hash(request, user)


def _announce(user_id: int, keep: str | None, kept_as: str | None) -> None:
    transaction.on_commit(
        lambda: sessions_ended.send(User, user_id=user_id, keep=keep, kept_as=kept_as)
    )


@receiver(pre_save, sender=User)
def _note_credential_change(sender: Any, instance: User, **kwargs: Any) -> None:
    """Whether this save ends the user's sessions: compared with the stored row (one query,
    only for saves that may touch these fields; login's last_login save does not)."""
    fields = kwargs.get("update_fields")
    instance._ends_sessions = False  # type: ignore[attr-defined]
    if instance.pk is None or (fields is not None and not set(fields) & set(_FIELDS)):
        return
    stored = User.objects.filter(pk=instance.pk).values(*_FIELDS).first()
    if stored is None:
        return
    instance._ends_sessions = (  # type: ignore[attr-defined]
        stored["password"] != instance.password
        or stored["session_epoch"] != instance.session_epoch
        or (stored["is_active"] and not instance.is_active)
    )


@receiver(post_save, sender=User)
def _end_sessions_after_change(sender: Any, instance: User, **kwargs: Any) -> None:
    if not getattr(instance, "_ends_sessions", False):
        return
    instance._ends_sessions = False  # type: ignore[attr-defined]
    keeping = _keeping.get()
    if keeping is not None and keeping.user_id == instance.pk and instance.is_active:
        keeping.ended = True  # announced when the block ends, with the session it kept
    else:
        _announce(instance.pk, keep=None, kept_as=None)
