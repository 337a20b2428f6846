"""Reads about calls: the live calls a user can see, one call."""

from django.db import connection

from parley.accounts.models import User
from parley.calls.access import access_call, visible_calls
from parley.calls.events import call_dict
from parley.calls.models import Call, Ring
from parley.events.catalogue import CallData


def live_calls_for_user(user: User) -> list[CallData]:
    """The calls going on in the conversations `user` is in, newest first (the video
    rooms page)."""
    calls = (
        visible_calls(user)
        .filter(ended_at__isnull=True)
        .select_related("started_by")
        .order_by("-started_at", "-pk")[:100]
    )
    return [call_dict(call) for call in calls]


def call_for_user(user: User, call_id: int) -> CallData:
    """One call of a conversation `user` is in (live or ended); not found otherwise."""
    return call_dict(access_call(user, call_id))


_RINGING = (
    "SELECT {call} FROM {table} WHERE {user} = %s AND {state} = %s ORDER BY {call} DESC LIMIT 50"
)


def calls_ringing_for(user_id: int) -> list[CallData]:
    """The live calls ringing for `user_id` now, oldest first (for a socket that connects
    mid-ring: its page rings too). Every socket's connect asks, and almost always none
    rings: that answer is one plain query (the ORM's query building cost more than it,
    bench/README.md "Reconnect storms (session 9)")."""
    meta, quote = Ring._meta, connection.ops.quote_name
    sql = _RINGING.format(
        call=quote(meta.get_field("call").column),
        table=quote(meta.db_table),
        user=quote(meta.get_field("user").column),
        state=quote(meta.get_field("state").column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, Ring.State.RINGING.value])
        ringing = [row[0] for row in cursor.fetchall()]
    if not ringing:
        return []
    calls = (
        Call.objects.filter(pk__in=ringing, ended_at__isnull=True)
        .select_related("started_by")
        .order_by("started_at", "pk")[:10]
    )
    return [call_dict(call) for call in calls]
