"""Fetch-with-permission for calls: a call is seen by the members of its conversation;
missing and forbidden (and, for joining, ended) look the same."""

from typing import Any

from django.db.models import QuerySet

from parley.accounts.models import User
from parley.calls.models import Call, CallParticipant
from parley.core.errors import ErrorCode, ParleyError


def call_not_found(call_id: int) -> ParleyError:
    return ParleyError(ErrorCode.NOT_FOUND, "That call was not found.", call=call_id)


def visible_calls(user: User) -> "QuerySet[Call]":
    """Calls in conversations `user` is in."""
    return Call.objects.filter(conversation__participants__user=user)


def access_call(user: User, call_id: int, *, live: bool = False, lock: bool = False) -> Call:
    """A call of a conversation `user` is in (`live`: not ended), with its starter;
    `lock`: its row locked until the caller's transaction ends."""
    calls: Any = visible_calls(user).select_related("started_by")
    if lock:
        calls = Call.objects.select_for_update().filter(
            pk__in=visible_calls(user).filter(pk=call_id).values("pk")
        )
    call: Call | None = calls.filter(pk=call_id).first()
    if call is None or (live and call.ended_at is not None):
        raise call_not_found(call_id)
    return call


def live_participant(user_id: int, call_id: int) -> CallParticipant | None:
    return CallParticipant.objects.filter(call_id=call_id, live_user=user_id).first()
