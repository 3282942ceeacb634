"""The JSON nesting bound shared by the HTTP routes and the WebSocket channels."""

from __future__ import annotations

import pytest

from openclob.json_limits import too_deep


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[" * 16 + b"]" * 16, False),
        (b"[" * 17 + b"]" * 17, True),
        (b'{"a":' * 16 + b"1" + b"}" * 16, False),
        (b'{"a":' * 17 + b"1" + b"}" * 17, True),
        (b"[[]" * 17 + b"]" * 17, True),  # no long run of openers, still 18 deep
        (b"[" + b"[1]," * 1_000 + b"[1]]", False),  # wide, not deep
        (b'["' + b"[" * 100 + b'"]', False),  # brackets inside a string do not nest
        (b'["\\"' + b"[" * 100 + b'"]', False),  # nor after an escaped quote
        (b"[" * 17, True),  # unbalanced: refused as well
    ],
)
def test_too_deep_measures_nesting_outside_strings(data: bytes, expected: bool) -> None:
    assert too_deep(data, 16) is expected
