"""Login sessions end when the credentials behind them change.

A session stays valid while the hash stored in it at login matches the user's
get_session_auth_hash(), an HMAC of the password hash and session_epoch (see User):
Django checks it on every request and the socket on connect. So a password change or
reset, or "log out everywhere" (a new epoch), ends every session at once over HTTP, and
deactivation does too (the auth backend refuses inactive users). A request that changes
its own user's credentials keeps its session with update_session_auth_hash, as Django's
password change views (ours and the admin's) do.

Open sockets are told through `sessions_ended`, sent after the commit of any save of a
User that ends sessions, whatever saved it (a view, the admin, the shell, an action);
the WebSocket transport closes them. When the save comes from a request of that same user, the
announcement waits for the end of the request (SessionsMiddleware), and spares the
request's own session if it is still valid then. (QuerySet.update() sends no signals:
change users one by one.)
"""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
    update_session_auth_hash,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from parley.accounts.models import User
from parley.core.access import end_access
from parley.core.sql import one_of

# Sent with user_id, keep (the key of the one session that stays, or None for none) and
# kept_as (that session's key now: Django gives a kept session a new one).
sessions_ended = Signal()

# The fields a session's validity depends on.
_FIELDS = ("password", "session_epoch", "is_active")


@dataclass
class _Request:
    request: HttpRequest
    key: str | None  # the session's key when the request came in
    ended: int | None = None  # the id of its own user, once their credentials changed


_current: ContextVar[_Request | None] = ContextVar("parley_sessions_request", default=None)


class SessionsMiddleware:
    """Notes the request, so that a change to its own user's credentials spares its
    session's sockets if the request keeps the session valid. Costs nothing else: the
    user is looked at only when a User is saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = _Request(request, request.session.session_key)
        token = _current.set(state)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
            if state.ended is not None:
                _announce_for_request(state, state.ended)


def _announce_for_request(state: _Request, user_id: int) -> None:
    session = state.request.session
    user = User.objects.filter(pk=user_id).first()
    kept = (
        user is not None
        and user.is_active
        and state.key is not None
        and session.get(HASH_SESSION_KEY) == user.get_session_auth_hash()
    )
    _announce(user_id, state.key if kept else None, session.session_key)


def log_out_other_sessions(request: HttpRequest) -> None:
    """End every login session of the signed-in user but this request's."""
    assert isinstance(request.user, User)  # login_required views only
    with transaction.atomic():
        # Locked and read afresh: two sessions pressing it at once must not both land on
        # the same new epoch (each would then keep itself); the later one wins.
        user = User.objects.select_for_update().get(pk=request.user.pk)
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
    instance._ends_sessions = False  # type: ignore[attr-defined]  # a note on the instance
    if instance.pk is None or (fields is not None and not set(fields) & set(_FIELDS)):
        return
    stored = User.objects.filter(pk=instance.pk).values(*_FIELDS).first()
    if stored is None:
        return
    deactivated = stored["is_active"] and not instance.is_active
    instance._deactivated = deactivated  # type: ignore[attr-defined]  # a note on the instance
    instance._ends_sessions = (  # type: ignore[attr-defined]  # a note on the instance
        stored["password"] != instance.password
        or stored["session_epoch"] != instance.session_epoch
        or deactivated
    )


@receiver(post_save, sender=User)
def _end_sessions_after_change(sender: Any, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_deactivated", False):
        instance._deactivated = False  # type: ignore[attr-defined]  # a note on the instance
        # A deactivated account loses every conversation at once (its calls end with it).
        with transaction.atomic():
            end_access([instance.pk], "deactivated")
    if not getattr(instance, "_ends_sessions", False):
        return
    instance._ends_sessions = False  # type: ignore[attr-defined]  # a note on the instance
    state = _current.get()
    if state is not None and instance.is_active and _user_id(state.request) == instance.pk:
        state.ended = instance.pk  # announced at the end of the request (sparing it if valid)
    else:
        _announce(instance.pk, keep=None, kept_as=None)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def credentials_match(user_id: int, password: str, session_epoch: int, session: Any) -> bool:
    """Whether the hash stored in `session` is that of these credentials of `user_id`: for
    a socket that was signed in a moment ago, once it listens for sessions_ended (a change
    in between would otherwise go unheard), with the credentials read afresh (with its
    conversations: parley.messaging.selectors.member_conversations_signed_in)."""
    stored = session.get(HASH_SESSION_KEY) if session is not None else None
    if not stored:
        return False
    user = User(pk=user_id, password=password, session_epoch=session_epoch)
    return constant_time_compare(stored, user.get_session_auth_hash())


def signed_in_user(session: Any) -> User | None:
    """The user `session` (a SessionStore, its data not yet loaded) signs in, or None."""
    return signed_in_users([session])[0]


def signed_in_users(sessions: list[Any]) -> list[User | None]:
    """The user each of `sessions` (SessionStores, their data not yet loaded) signs in, or
    None: Django's auth.get_user, step for step, with the sessions' rows and then their
    users' rows read in two plain SELECTs however many sessions (every socket's handshake
    signs in, and sockets connecting together share the reads: parley/realtime/threads.py's
    `coalescing`; the ORM's query building cost more than the queries: bench/README.md,
    "Reconnect storms").

    The same checks in the same order: the session unexpired, its backend one of
    settings.AUTHENTICATION_BACKENDS, the user found and allowed to sign in by that
    backend, and the session's hash of their credentials equal to theirs now. A hash made
    with one of settings.SECRET_KEY_FALLBACKS keeps the session, under a new key and
    the current hash; any other mismatch flushes the session. Any other session engine,
    or a backend with its own get_user, goes through auth.get_user itself.
    """
    plain = [session for session in sessions if type(session) is DatabaseSessionStore]
    _load(plain)
    wanted: dict[int, Any] = {}  # session id -> (user id, backend)
    for session in plain:
        try:
            user_id = User._meta.pk.to_python(session[SESSION_KEY])
            backend_path = session[BACKEND_SESSION_KEY]
        except KeyError:
            continue
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            wanted[id(session)] = (user_id, load_backend(backend_path))
    rows = _user_rows([user_id for user_id, backend in wanted.values()])
    users: list[User | None] = []
    for session in sessions:
        if type(session) is not DatabaseSessionStore:
            users.append(_django_user(session))
        elif id(session) not in wanted:
            users.append(None)
        else:
            user_id, backend = wanted[id(session)]
            if type(backend).get_user is not ModelBackend.get_user:
                users.append(_django_user(session))
            else:
                users.append(_checked(session, backend, rows.get(user_id)))
    return users


def _checked(session: Any, backend: ModelBackend, row: list[Any] | None) -> User | None:
    """The session's user, made afresh from their row (each socket its own instance), if
    the backend lets them sign in and the session's hash of their credentials holds."""
    if row is None:
        return None
    fields = User._meta.concrete_fields
    user = User.from_db(connection.alias, [field.attname for field in fields], row)
    if not backend.user_can_authenticate(user):
        return None
    stored = session.get(HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if stored and constant_time_compare(stored, current):
        return user
    if stored and any(
        constant_time_compare(stored, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = current
        return user
    session.flush()
    return None


def _django_user(session: Any) -> User | None:
    user = auth.get_user(_SessionOnly(session))  # type: ignore[arg-type]  # get_user reads only .session
    return user if isinstance(user, User) else None


@dataclass
class _SessionOnly:
    session: Any


def _load(sessions: list[DatabaseSessionStore]) -> None:
    """What DatabaseSessionStore.load does for each session (a missing or expired one:
    empty, keyless), in one plain SELECT."""
    keys = list({session.session_key for session in sessions if session.session_key})
    found: dict[str, str] = {}
    if keys:
        which, params = one_of("session_key", keys)
        with connection.cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_SESSIONS.format(which=which), [*params, now])
            found = dict(cursor.fetchall())
    for session in sessions:
        data = found.get(session.session_key) if session.session_key else None
        if data is None:
            session._session_key = None  # as load() does
            session._session_cache = {}  # type: ignore[attr-defined]  # as load() does
        else:
            session._session_cache = session.decode(data)  # type: ignore[attr-defined]  # as load() does


def _user_rows(user_ids: list[Any]) -> dict[Any, list[Any]]:
    """Each of these users' rows, every concrete column in field order, each value
    converted from the database as the ORM converts it (User.objects.filter(pk__in=…)
    in one plain SELECT)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    fields = User._meta.concrete_fields
    which, params = one_of(connection.ops.quote_name(User._meta.pk.column), ids)
    with connection.cursor() as cursor:
        cursor.execute(_user_select(connection.vendor) + which, params)
        rows = cursor.fetchall()
    converters: list[tuple[int, Any, Any]] = []
    for at, field in enumerate(fields):
        expression = field.get_col(User._meta.db_table)
        found = connection.ops.get_db_converters(expression)
        found += cast(Any, field).get_db_converters(connection)
        converters.extend((at, converter, expression) for converter in found)
    key = next(at for at, field in enumerate(fields) if field.primary_key)
    result: dict[Any, list[Any]] = {}
    for row in rows:
        values = list(row)
        for at, converter, expression in converters:
            values[at] = converter(values[at], expression, connection)
        result[values[key]] = values
    return result


_SESSIONS = f"""
SELECT session_key, session_data FROM {Session._meta.db_table}
WHERE {{which}} AND expire_date > %s
"""  # noqa: S608 (the table name from the model, values as parameters)


@cache
def _user_select(vendor: str) -> str:
    """The plain SELECT of users, every concrete column in field order, up to its WHERE."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in User._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE "  # noqa: S608 (names from the model)
