"""The real-time shapes of calls, built from the models.

Their types are in parley.events.catalogue (and their prose in docs/protocol.md, "Calls").
"""

from datetime import datetime

from parley.accounts.events import user_summary
from parley.calls.models import Call, CallParticipant, Ring
from parley.events import catalogue


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def call_status(call: Call) -> catalogue.CallStatus:
    if call.ended_at is not None:
        return "ended"
    return "ongoing" if call.answered_at is not None else "ringing"


def call_dict(call: Call) -> catalogue.CallData:
    """A call as its conversation's members see it: who is in it now, whose devices ring.

    Two queries (participants with their users, ringing users)."""
    participants = (
        CallParticipant.objects.filter(call=call, left_at__isnull=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    ringing = Ring.objects.filter(call=call, state=Ring.State.RINGING).order_by("user_id")
    return {
        "id": call.pk,
        "conversation": call.conversation_id,
        "kind": catalogue_kind(call),
        "mode": "sfu" if call.mode == Call.Mode.SFU else "mesh",
        "status": call_status(call),
        "started_by": user_summary(call.started_by),
        "started_at": call.started_at.isoformat(),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "end_reason": end_reason(call),
        "participants": [
            {"user": user_summary(p.user), "joined_at": p.joined_at.isoformat()}
            for p in participants
        ],
        "ringing": list(ringing.values_list("user_id", flat=True)),
    }


def catalogue_kind(call: Call) -> catalogue.CallKind:
    return "voice" if call.kind == Call.Kind.VOICE else "video"


def end_reason(call: Call) -> catalogue.CallEndReason | None:
    reasons: dict[str, catalogue.CallEndReason] = {
        "hangup": "hangup",
        "timeout": "timeout",
        "cancelled": "cancelled",
        "declined": "declined",
        "busy": "busy",
        "dropped": "dropped",
    }
    return reasons.get(call.end_reason) if call.ended_at is not None else None


# Ends that mean nobody answered: the entry says "Missed call".
MISSED = frozenset({Call.EndReason.TIMEOUT, Call.EndReason.CANCELLED, Call.EndReason.BUSY})


def entry_status(call: Call) -> catalogue.CallEntryStatus:
    if call.ended_at is None:
        return call_status(call)
    if call.end_reason in MISSED:
        return "missed"
    if call.end_reason == Call.EndReason.DECLINED:
        return "declined"
    return "ended"


def duration(call: Call) -> int | None:
    """Whole seconds from the first answer to the end (None unless both happened)."""
    if call.ended_at is None or call.answered_at is None:
        return None
    return max(0, int((call.ended_at - call.answered_at).total_seconds()))


def call_entry(call: Call) -> catalogue.CallEntry:
    """What the call's history entry (a message's `call`) says."""
    return {
        "id": call.pk,
        "kind": catalogue_kind(call),
        "status": entry_status(call),
        "started_at": call.started_at.isoformat(),
        "ended_at": _iso(call.ended_at),
        "duration": duration(call),
        "end_reason": end_reason(call),
    }


def entry_text(call: Call) -> str:
    """The entry's plain text (its body: previews, notifications, search)."""
    status = entry_status(call)
    if status == "missed":
        return "Missed call"
    if status == "declined":
        return "Declined call"
    seconds = duration(call)
    if status == "ended" and seconds is not None:
        return f"Call, {_length(seconds)}"
    if status == "ended":
        return "Call"
    return "Voice call" if call.kind == Call.Kind.VOICE else "Video call"


def _length(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
