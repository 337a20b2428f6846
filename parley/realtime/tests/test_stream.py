"""A socket's stream bookkeeping, driven directly: repeats dropped, gaps found, live events
held until release and then named for filling."""

from parley.realtime.stream import Stream


def released(delivered: dict[int, int]) -> Stream:
    stream = Stream()
    stream.delivered = dict(delivered)
    stream.release()
    return stream


def test_a_new_stream_follows_nothing_and_holds():
    stream = Stream()
    assert (stream.delivered, stream.holding, stream.held) == ({}, True, set())


def test_the_next_live_event_is_written_after_what_was_delivered():
    stream = released({1: 4})
    assert stream.live(1, 5) == 4


def test_repeats_and_conversations_not_followed_are_dropped():
    stream = released({1: 4})
    assert stream.live(1, 4) is None
    assert stream.live(1, 2) is None
    assert stream.live(2, 1) is None


def test_an_event_past_the_next_names_the_gap_to_fill_first():
    stream = released({1: 4})
    assert stream.live(1, 9) == 4  # seqs 5 to 8 are missing


def test_while_holding_live_events_are_only_noted_then_released_in_order():
    stream = Stream()
    stream.delivered = {3: 1, 1: 7, 2: 0}
    assert stream.live(3, 2) is None
    assert stream.live(1, 8) is None
    assert stream.live(2, 0) is None  # a repeat is not even noted
    assert stream.held == {1, 3}
    assert stream.release() == [1, 3]
    assert (stream.holding, stream.held) == (False, set())
    assert stream.live(1, 8) == 7  # released: live events are written again


def test_release_happens_once():
    stream = Stream()
    assert stream.release() == []
    assert stream.release() is None


def test_behind_names_the_followed_conversations_the_database_is_ahead_on():
    stream = released({1: 5, 2: 3, 3: 9})
    seqs = {1: 5, 2: 6, 3: 10, 4: 2}  # 4 is not followed
    assert list(stream.behind(seqs)) == [(2, 3), (3, 9)]


def test_behind_judges_each_conversation_after_the_previous_fill():
    stream = released({1: 5, 2: 3})
    found = []
    for conversation_id, delivered in stream.behind({1: 6, 2: 4}):
        found.append((conversation_id, delivered))
        stream.forget(2)  # say the first fill found the user had left the second
    assert found == [(1, 5)]


def test_behind_while_holding_holds_instead():
    stream = Stream()
    stream.delivered = {1: 5, 2: 3}
    assert list(stream.behind({1: 6, 2: 3})) == []
    assert stream.held == {1}


def test_forget_stops_following_and_says_whether_it_was_followed():
    stream = Stream()
    stream.delivered = {1: 5}
    stream.live(1, 6)
    assert stream.forget(1) is True
    assert (stream.delivered, stream.held) == ({}, set())
    assert stream.forget(1) is False
    assert stream.release() == []
