"""The Data API's queries (api/data_api.py, api/gamma.py), written once for both SQL stores.

`SqlStore` inherits them; they read through its reader connection (`_read`). Each is an index range scan:
activity by (address, sequence), the trade tape by trades' position, a market's trades by (condition_id,
position).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from openclob.store import schema
from openclob.store.records import ActivityRecord, MakerLegRecord, TradeRecord

Row = tuple[Any, ...]
_decode_legs = msgspec.msgpack.Decoder(list[MakerLegRecord]).decode


def trade_from_row(row: Row) -> TradeRecord:
    """A `trades` row (schema.TRADE_COLUMNS) as its record."""
    fields = dict(zip(schema.TRADE_COLUMNS, row, strict=True))
    return TradeRecord(**{**fields, "maker_legs": _decode_legs(fields["maker_legs"])})


class DataApiQueries:
    """Activity by address, the public trade tape and market volumes."""

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        raise NotImplementedError  # SqlStore's

    def activity(
        self,
        address: str,
        *,
        limit: int,
        offset: int = 0,
        types: Sequence[str] = (),
        condition_ids: Sequence[str] = (),
        taker_only: bool = False,
        oldest_first: bool = False,
        side: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[ActivityRecord]:
        """`address`'s activity rows, newest first (or oldest), filtered, from `offset`, at most `limit`."""
        where, params = "address = ?", list[object]([address])
        for column, values in (("type", types), ("condition_id", condition_ids)):
            if values:
                where += f" AND {column} IN ({', '.join('?' * len(values))})"
                params += values
        if taker_only:
            where += " AND (type <> 'TRADE' OR taker = 1)"
        for condition, value in (("side = ?", side), ("at_ms >= ?", start_ms), ("at_ms <= ?", end_ms)):
            if value is not None:
                where += f" AND {condition}"
                params.append(value)
        direction = "" if oldest_first else " DESC"
        sql = (
            f"SELECT {', '.join(schema.ACTIVITY_COLUMNS)} FROM activity WHERE {where}"
            f" ORDER BY sequence{direction}, item{direction} LIMIT ? OFFSET ?"
        )
        return [activity_from_row(row) for row in self._read(sql, (*params, limit, offset))]

    def tape(self, *, limit: int, offset: int = 0, condition_ids: Sequence[str] = ()) -> list[TradeRecord]:
        """Every trade, newest first, optionally of some markets only, from `offset`, at most `limit`."""
        where, params = "", list(condition_ids)
        if condition_ids:
            where = f" WHERE condition_id IN ({', '.join('?' * len(condition_ids))})"
        sql = f"SELECT {', '.join(schema.TRADE_COLUMNS)} FROM trades{where} ORDER BY position DESC LIMIT ? OFFSET ?"
        return [trade_from_row(row) for row in self._read(sql, (*params, limit, offset))]

    def market_volumes(
        self, condition_ids: Sequence[str] | None = None, since_ms: Sequence[int] = ()
    ) -> dict[str, tuple[int, ...]]:
        """condition id -> (collateral traded by takers, then the same since each of `since_ms`), for the given
        markets or every market that traded."""
        where, params = "", list[object](since_ms)
        if condition_ids is not None:
            if not condition_ids:
                return {}
            where = f" WHERE condition_id IN ({', '.join('?' * len(condition_ids))})"
            params += condition_ids
        windows = "".join(", SUM(CASE WHEN matched_at_ms >= ? THEN collateral_units ELSE 0 END)" for _ in since_ms)
        sql = f"SELECT condition_id, SUM(collateral_units){windows} FROM trades{where} GROUP BY condition_id"
        return {row[0]: tuple(int(total) for total in row[1:]) for row in self._read(sql, params)}


def activity_from_row(row: Row) -> ActivityRecord:
    """An `activity` row (schema.ACTIVITY_COLUMNS, as projection.py writes it) as its record."""
    fields = dict(zip(schema.ACTIVITY_COLUMNS, row, strict=True))
    fields["taker"] = bool(fields["taker"])
    fields["index_set"] = int(fields["index_set"])  # (TEXT: an index set may not fit a signed 64-bit integer)
    fields["token_ids_in"] = _split_ids(fields["token_ids_in"])
    fields["token_ids_out"] = _split_ids(fields["token_ids_out"])
    return ActivityRecord(**fields)


def _split_ids(text: Any) -> list[str]:
    return str(text).split(",") if text else []
