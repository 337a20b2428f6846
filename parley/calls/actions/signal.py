"""WebRTC signalling between the participants of one call, relayed by Parley.

An offer, answer or ICE candidate goes from the socket that is in a call to the socket of
another participant of the same call, named by user id. The sender is the socket's user,
never a field of the frame; the frame is parsed (sizes, fields) before it gets here
(parley.events.frames), rate-limited per socket by the transport, and anything else is
refused with not_found, relaying nothing.
"""

from dataclasses import dataclass

from parley.calls.access import call_not_found
from parley.calls.models import CallParticipant
from parley.events import catalogue, frames

Signal = catalogue.CallOffer | catalogue.CallAnswer | catalogue.CallCandidate


@dataclass(frozen=True)
class Relay:
    """Where a signal goes: one socket of one user, with the event it receives."""

    user_id: int
    socket: str
    event: Signal


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
        CallParticipant.objects.filter(
            call_id=frame.call, live_user__in=[user_id, frame.to]
        ).values_list("user_id", "socket")
    )
    if found.get(user_id) != socket or frame.to not in found:
        raise call_not_found(frame.call)
    target = found[frame.to]
    if not target:
        return None
    return Relay(frame.to, target, _event(user_id, frame))


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
