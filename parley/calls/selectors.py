"""Reads about calls: the live calls a user can see, one call."""

from django.db import connection

from parley.accounts.models import User
from parley.calls.access import access_call, visible_calls
from parley.calls.events import call_dict
from parley.calls.models import Call, Ring
from parley.core.sql import one_of
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


def calls_ringing_for(user_ids: list[int]) -> dict[int, list[CallData]]:
    """The live calls ringing for each of these users now, oldest first (for a socket that
    connects mid-ring: its page rings too). Every socket's connect asks, for the sockets
    connecting together at once, and almost always none rings: that answer is one plain
    query (the ORM's query building cost more than it, bench/README.md "Reconnect storms
    (session 9)")."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    meta, quote = Ring._meta, connection.ops.quote_name
    user = quote(meta.get_field("user").column)
    which, params = one_of(user, ids)
    sql = _RINGING.format(
        call=quote(meta.get_field("call").column),
        table=quote(meta.db_table),
        user=user,
        which=which,
        state=quote(meta.get_field("state").column),
    )
    ringing: dict[int, list[int]] = {user_id: [] for user_id in ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Ring.State.RINGING.value])
        for user_id, call_id in cursor.fetchall():
            ringing[user_id].append(call_id)
    wanted = {call_id for calls in ringing.values() for call_id in calls}
    found = {}
    if wanted:
        live = Call.objects.filter(pk__in=wanted, ended_at__isnull=True)
        found = {call.pk: call_dict(call) for call in live.select_related("started_by")}
    result: dict[int, list[CallData]] = {}
    for user_id, calls in ringing.items():
        live_calls = sorted(
            (found[call_id] for call_id in calls if call_id in found),
            key=lambda call: (call["started_at"], call["id"]),
        )
        result[user_id] = live_calls[:10]
    return result


_RINGING = "SELECT {user}, {call} FROM {table} WHERE {which} AND {state} = %s"
