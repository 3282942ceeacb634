"""Pagination cursors: base64 of a decimal position, "MA==" (0) first and "LTE=" (-1) after the last page.

Base64 of ASCII digits never contains `+` or `/`, so py-clob-client's unencoded query strings survive.
"""

from __future__ import annotations

import base64
import binascii

from openclob.api.http import parse_uint
from openclob.core.bounds import MAX_ROW_ID

FIRST = "MA=="
END = "LTE="
MAX_CURSOR_CHARS = 4 * ((len(str(MAX_ROW_ID)) + 2) // 3)
"""The base64 of the largest position: anything longer is refused before it is decoded."""


def encode(position: int) -> str:
    """The cursor that continues after `position`."""
    return base64.b64encode(str(position).encode()).decode()


def decode(cursor: str | None) -> int | None:
    """The position a cursor continues after (0 for the first page), or None for the end or a bad cursor.

    A position is ASCII digits up to `MAX_ROW_ID`, so that it can be compared in either store.
    """
    if not cursor:
        return 0
    if len(cursor) > MAX_CURSOR_CHARS:
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return parse_uint(text, MAX_ROW_ID)


def page(data: list[object], positions: list[int], limit: int) -> dict[str, object]:
    """The paginated envelope: {limit, count, next_cursor, data}; `LTE=` when this page is the last."""
    next_cursor = encode(positions[-1]) if len(data) == limit and positions else END
    return {"limit": limit, "count": len(data), "next_cursor": next_cursor, "data": data}
