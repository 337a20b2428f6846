"""WebRTC signalling between the participants of one call, relayed by Parley.

An offer, answer or ICE candidate goes from the socket that is in a call to the socket of
another participant of the same call, named by user id. The sender is the socket's user,
never a field of the frame; the frame is parsed (sizes, fields) before it gets here
(parley.events.frames), rate-limited per socket by the transport, and anything else is
refused with not_found, relaying nothing.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from parley.calls.access import call_not_found
from parley.calls.models import Call, CallParticipant
from parley.events import catalogue, frames
from parley.messaging.models import Participant

Signal = catalogue.CallOffer | catalogue.CallAnswer | catalogue.CallCandidate


@dataclass(frozen=True)
class Relay:
    """Where a signal goes: one socket of one user, with the event it receives."""

    user_id: int
    socket: str
    event: Signal | catalogue.CallMedia


def check_signal(
    user_id: int, socket: str, frame: frames.CallOffer | frames.CallAnswer | frames.CallCandidate
) -> Relay | None:
    """The relay of `frame` from `user_id`'s socket `socket`, or None when its target is
    in the call but between sockets (reconnecting: the signal is dropped; the restart
    after the reconnect renegotiates). not_found unless both are in the call and the
    sender speaks from the socket that is in it."""
    if frame.to == user_id:
        raise call_not_found(frame.call)
    found = dict(
        entitled(
            CallParticipant.objects.filter(call_id=frame.call, live_user__in=[user_id, frame.to])
        ).values_list("user_id", "socket")
    )
    if found.get(user_id) != socket or frame.to not in found:
        raise call_not_found(frame.call)
    target = found[frame.to]
    if not target:
        return None
    return Relay(frame.to, target, _event(user_id, frame))


def check_media(user_id: int, socket: str, frame: frames.CallMedia) -> list[Relay]:
    """`frame` from `user_id`'s socket `socket` as call.media to each other participant's
    socket in the call (those between sockets are left out: they rejoin and hear it
    again). not_found unless the sender is in the call from this socket."""
    found = dict(
        entitled(
            CallParticipant.objects.filter(call_id=frame.call, left_at__isnull=True)
        ).values_list("user_id", "socket")
    )
    if found.get(user_id) != socket:
        raise call_not_found(frame.call)
    event = catalogue.CallMedia(
        call=frame.call,
        user=user_id,
        muted=frame.muted,
        camera=frame.camera,
        sharing=frame.sharing,
    )
    return [
        Relay(other, target, event)
        for other, target in sorted(found.items())
        if other != user_id and target
    ]


def check_sfu(user_id: int, socket: str, call_id: int) -> None:
    """`user_id`'s socket `socket` is in call `call_id`, an SFU call; not_found otherwise
    (before any of its SDP or candidates go to the SFU)."""
    in_call = CallParticipant.objects.filter(
        call_id=call_id, live_user=user_id, socket=socket, call__mode=Call.Mode.SFU
    )
    if not entitled(in_call).exists():
        raise call_not_found(call_id)


def entitled(participants: "QuerySet[CallParticipant]") -> "QuerySet[CallParticipant]":
    """Those of `participants` who may still be in their call: active accounts that are
    members of its conversation. Losing either takes a user out of the call at once
    (parley/calls/actions/removed.py); this keeps a participant row left behind by any
    path that missed it from relaying anything."""
    member = Participant.objects.filter(
        conversation_id=OuterRef("call__conversation_id"), user_id=OuterRef("user_id")
    )
    return participants.filter(Exists(member), user__is_active=True)


def _event(
    sender: int, frame: frames.CallOffer | frames.CallAnswer | frames.CallCandidate
) -> Signal:
    match frame:
        case frames.CallOffer():
            return catalogue.CallOffer(
                call=frame.call, from_=sender, sdp=frame.sdp, restart=frame.restart
            )
        case frames.CallAnswer():
            return catalogue.CallAnswer(call=frame.call, from_=sender, sdp=frame.sdp)
        case frames.CallCandidate():
            return catalogue.CallCandidate(call=frame.call, from_=sender, candidate=frame.candidate)
