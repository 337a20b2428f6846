"""Who is typing where, for the sockets of this process: memory only, never the database.

A typer is one socket in one conversation. A "start" is published at most once every
THROTTLE_SECONDS per typer (clients refresh every 3 s while typing); the typer expires
EXPIRES_IN seconds after the last published start, and the sweep then publishes "stop".
Typing never outlives its process: if the process dies, clients drop the indicator by
themselves after `expires_in`.
"""

import threading
from dataclasses import dataclass

from parley.events.catalogue import NamedUser, Typing, TypingState

EXPIRES_IN = 6
THROTTLE_SECONDS = 2.0


@dataclass(frozen=True)
class Typer:
    socket: str
    conversation: int
    user_id: int
    user: NamedUser
    started: float  # app clock (time.time()) of the last published start

    @property
    def expires_at(self) -> float:
        return self.started + EXPIRES_IN


def typing_event(conversation_id: int, user: NamedUser, state: TypingState) -> Typing:
    """The `typing` event, as clients receive it."""
    return Typing(conversation=conversation_id, user=user, state=state, expires_in=EXPIRES_IN)


class Typers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._typers: dict[tuple[str, int], Typer] = {}

    def start(self, typer: Typer) -> bool:
        """Note a start; False if it repeats one published less than THROTTLE_SECONDS ago."""
        key = (typer.socket, typer.conversation)
        with self._lock:
            previous = self._typers.get(key)
            if previous is not None and typer.started - previous.started < THROTTLE_SECONDS:
                return False
            self._typers[key] = typer
            return True

    def stop(self, socket: str, conversation_id: int) -> Typer | None:
        """End a typer; None if that socket was not typing there."""
        with self._lock:
            return self._typers.pop((socket, conversation_id), None)

    def stop_socket(self, socket: str) -> list[Typer]:
        """End every typer of a socket (it closed)."""
        with self._lock:
            keys = [key for key in self._typers if key[0] == socket]
            return [self._typers.pop(key) for key in keys]

    def expire(self, now: float) -> list[Typer]:
        """End and return the typers whose last start is EXPIRES_IN old at `now`."""
        with self._lock:
            keys = [key for key, typer in self._typers.items() if typer.expires_at <= now]
            return [self._typers.pop(key) for key in keys]

    def clear(self) -> None:
        with self._lock:
            self._typers.clear()


typers = Typers()
