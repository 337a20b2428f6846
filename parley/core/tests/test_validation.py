"""The shared input checks, on the inputs that broke earlier versions of them."""

import pytest

from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import json_depth_exceeds, loads_strict


@pytest.mark.parametrize(
    ("text", "too_deep"),
    [
        ("[" * 8 + "]" * 8, False),
        ("[" * 9 + "]" * 9, True),
        ('{"a": "[[[[[[[[[[[[[[[["}', False),  # brackets inside a string
        ('["\\"[[[[[[[[[[[[\\""]', False),  # escaped quotes inside a string
        ('[[[[[[[[["a\\\\"]]]]]]]]]', True),  # an escaped backslash ends before the quote
        ('"' + '\\"' * 30_000 + "[" * 9, False),  # one unterminated string: all text
        ("[" * 8 + '"' + '\\"' * 30_000, False),  # (quadratic in an earlier version)
    ],
)
def test_nesting_is_measured_outside_strings(text, too_deep):
    assert json_depth_exceeds(text, 8) is too_deep


def test_a_frame_of_escaped_quotes_is_refused_as_json_not_hung_on():
    text = "[" * 9 + '"' + '\\"' * 30_000
    with pytest.raises(ParleyError) as refused:
        loads_strict(text, max_bytes=64 * 1024, max_depth=8)
    assert refused.value.code == ErrorCode.INVALID
