"""What a socket has sent of each conversation it follows: the bookkeeping behind "every
message once and in order".

A `Stream` knows, per followed conversation, the last seq written to the client
(`delivered`). A live event at or below it is a repeat and is dropped; one past the next
means the seqs between need filling from the database first. Between hello and the
client's first frame (`holding`) live events are not written: only their conversations are
noted (`held`), to be filled from the database on release, so that a replay never
overtakes or repeats a live event.

It decides; it never reads or writes. Its owner (the consumer) reads the database, writes
the frames, and records each seq written in `delivered`, all under the socket's lock.
ParleyConsumer inherits it, so these attributes are the socket's own (no object more per
socket, no attribute hop on the delivery path).
"""

from collections.abc import Iterator, Mapping


class Stream:
    def __init__(self) -> None:
        """Nothing followed yet, holding (until released)."""
        super().__init__()
        self.delivered: dict[int, int] = {}
        self.holding = True
        self.held: set[int] = set()

    def live(self, conversation_id: int, seq: int) -> int | None:
        """Live event `seq` of a conversation: the seq delivered before it, to be written
        after filling whatever lies between; None if it is not to be written now (a
        repeat, a conversation not followed, or held until release)."""
        delivered = self.delivered.get(conversation_id)
        if delivered is None or seq <= delivered:
            return None
        if self.holding:
            self.held.add(conversation_id)
            return None
        return delivered

    def behind(self, seqs: Mapping[int, int]) -> Iterator[tuple[int, int]]:
        """Of the database's `seqs` by conversation, the followed conversations this stream
        is behind on, as (conversation, delivered): to fill now, up to the seq in `seqs`.
        While holding they are held instead. Lazy: each is judged after the previous fill."""
        for conversation_id, seq in seqs.items():
            delivered = self.delivered.get(conversation_id)
            if delivered is not None and seq > delivered:
                if self.holding:
                    self.held.add(conversation_id)
                else:
                    yield conversation_id, delivered

    def release(self) -> list[int] | None:
        """End the hold: the conversations held meanwhile, in order, to fill from the
        database (those still followed when their turn comes); None if not holding."""
        if not self.holding:
            return None
        self.holding = False
        held = sorted(self.held)
        self.held.clear()
        return held

    def forget(self, conversation_id: int) -> bool:
        """Stop following a conversation; whether it was followed."""
        self.held.discard(conversation_id)
        return self.delivered.pop(conversation_id, None) is not None
