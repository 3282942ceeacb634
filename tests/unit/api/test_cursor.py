"""Cursors decode to positions a store can compare (0 to int64), or to None."""

from __future__ import annotations

import base64

import pytest

from openclob.api import cursor


def _of(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_cursor_round_trips_up_to_the_largest_row_id() -> None:
    for position in (0, 1, 100, 2**63 - 1):
        assert cursor.decode(cursor.encode(position)) == position
    assert cursor.decode(None) == cursor.decode("") == cursor.decode(cursor.FIRST) == 0


@pytest.mark.parametrize(
    "raw",
    [cursor.END, _of("²"), _of("١٢"), _of("9223372036854775808"), _of("1" * 5_000), _of(" 1"), "%%%", "x" * 10_000],
)
def test_a_cursor_that_is_not_a_position_decodes_to_none(raw: str) -> None:
    assert cursor.decode(raw) is None
