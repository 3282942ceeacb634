"""Recordings of a market channel: read and check a whole file before anything is replayed.

A recording is JSON lines. The first line may describe the market (`{"type": "market", "condition_id",
"tokens": [{"token_id", "outcome"}], "tick_size"?, "min_order_size"?, "neg_risk"?, "question"?}`); every other
line is what Polymarket's market channel sends (`book`, `price_change` in its current or legacy schema,
`tick_size_change`, `last_trade_price`; an object or an array of them), optionally wrapped as `{"ts": <ms
received>, "msg": ...}`. `best_bid_ask`, `new_market` and `market_resolved` are read and skipped; any other
event type is an error.

The whole file is read first: any fault is a `RecordingError` naming the line (1-based) and the field, and
nothing has been created. Prices and sizes are decimal strings (JSON numbers are taken by their text), turned
into integer 1e-6 units exactly: a price must lie strictly between 0 and 1, and neither may have more than six
decimals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openclob.core.amounts import TICK_UNITS, UNIT, format_units
from openclob.core.bounds import MAX_UNITS

MAX_RECORDING_BYTES = 2 * 1024**3
"""The largest recording read (it is held in memory while it is replayed)."""
IGNORED_EVENTS = frozenset({"best_bid_ask", "new_market", "market_resolved"})
"""Market-channel events that say nothing the book needs."""
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_CONDITION_ID = re.compile(r"0x[0-9a-fA-F]{64}")
_TOKEN_ID = re.compile(r"[0-9]{1,78}")
_SIDES = {"BUY": True, "SELL": False}


class RecordingError(Exception):
    """A recording that cannot be replayed; the message names the line and the field."""


@dataclass(frozen=True, slots=True)
class MarketLine:
    """The market a recording is of, from its first line (or inferred from its messages)."""

    condition_id: str
    token_ids: tuple[str, str]
    outcomes: tuple[str, str] = ("Yes", "No")
    tick_units: int = 10_000
    min_size_units: int = 5 * UNIT
    neg_risk: bool = False
    question: str = ""


@dataclass(frozen=True, slots=True)
class BookMessage:
    """A full snapshot of one token's book: (price_units, size_units) bids and asks."""

    line: int
    ts_ms: int | None
    asset_id: str
    bids: tuple[tuple[int, int], ...]
    asks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class LevelChanges:
    """New totals at levels: (asset_id, is_bid, price_units, size_units); size 0 removes the level."""

    line: int
    ts_ms: int | None
    changes: tuple[tuple[str, bool, int, int], ...]


@dataclass(frozen=True, slots=True)
class TickChange:
    """The market's tick size changed."""

    line: int
    ts_ms: int | None
    asset_id: str
    tick_units: int


@dataclass(frozen=True, slots=True)
class LastTrade:
    """A trade was printed; the book changes it caused come in their own messages."""

    line: int
    ts_ms: int | None
    asset_id: str


Message = BookMessage | LevelChanges | TickChange | LastTrade


@dataclass(frozen=True, slots=True)
class Recording:
    """A checked recording: its market (None when the file has no market line) and its messages in order."""

    market: MarketLine | None
    messages: tuple[Message, ...]
    condition_id: str
    """The market the messages name (the market line's when there is one)."""
    asset_lines: dict[str, int]
    """Each token id the messages name, with the first line naming it."""
    first_tick_units: int | None
    """The tick size the first book message gives, if any (for a recording without a market line)."""


def read_recording(path: Path) -> Recording:
    """Read and check the recording at `path` (see the module docstring)."""
    try:
        if not path.exists():
            raise RecordingError(f"cannot read the recording {path}: no such file")
        if not path.is_file():
            raise RecordingError(f"cannot read the recording {path}: not a regular file")
        if path.stat().st_size > MAX_RECORDING_BYTES:
            raise RecordingError(f"{path}: larger than {MAX_RECORDING_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RecordingError(f"cannot read the recording {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise RecordingError(f"{path}: not UTF-8 text ({error.reason})") from None
    return parse_recording(text.splitlines())


def parse_recording(lines: list[str]) -> Recording:
    """Check the lines of a recording and turn them into a `Recording`."""
    reader = _Reader()
    for number, text in enumerate(lines, start=1):
        if text.strip():
            reader.line(number, text)
    return reader.finish()


class _Reader:
    def __init__(self) -> None:
        self.market: MarketLine | None = None
        self.messages: list[Message] = []
        self.condition_ids: dict[str, int] = {}
        self.asset_lines: dict[str, int] = {}
        self.first_tick_units: int | None = None
        self.seen_message = False

    def line(self, number: int, text: str) -> None:
        try:
            value = json.loads(text, parse_float=Decimal)
        except ValueError as error:
            raise RecordingError(f"line {number}: not JSON ({error})") from None
        if isinstance(value, dict) and value.get("type") == "market" and "event_type" not in value:
            if self.seen_message or self.market is not None:
                raise RecordingError(f"line {number}: a market line may only be the first line")
            self.market = _market_line(number, value)
            self.seen_message = True
            return
        self.seen_message = True
        ts_ms = None
        if isinstance(value, dict) and "msg" in value and "event_type" not in value:
            ts_ms = _int(number, "ts", value.get("ts"))
            value = value["msg"]
        for index, event in enumerate(value if isinstance(value, list) else [value]):
            where = f"[{index}]" if isinstance(value, list) else ""
            self.event(number, where, ts_ms, event)

    def event(self, number: int, where: str, ts_ms: int | None, event: Any) -> None:
        if not isinstance(event, dict):
            raise RecordingError(f"line {number}: {where or 'message'}: expected a JSON object")
        field = _Fields(number, where, event)
        kind = field.text("event_type")
        if kind in IGNORED_EVENTS:
            return
        if ts_ms is None and "timestamp" in event:
            ts_ms = _int(number, f"{where}timestamp", event["timestamp"])
        if "market" in event:
            self.condition_ids.setdefault(field.condition_id("market"), number)
        message: Message
        if kind == "book":
            asset_id = self.asset(field, "asset_id")
            bids = field.levels("buys" if "buys" in event and "bids" not in event else "bids")
            asks = field.levels("sells" if "sells" in event and "asks" not in event else "asks")
            if self.first_tick_units is None and "tick_size" in event:
                self.first_tick_units = field.tick("tick_size")
            message = BookMessage(number, ts_ms, asset_id, bids, asks)
        elif kind == "price_change":
            message = LevelChanges(number, ts_ms, self.price_changes(field, event))
        elif kind == "tick_size_change":
            message = TickChange(number, ts_ms, self.asset(field, "asset_id"), field.tick("new_tick_size"))
        elif kind == "last_trade_price":
            message = LastTrade(number, ts_ms, self.asset(field, "asset_id"))
        else:
            raise RecordingError(f"line {number}: {where}event_type: unknown event type {kind[:40]!r}")
        self.messages.append(message)

    def price_changes(self, field: _Fields, event: dict[str, Any]) -> tuple[tuple[str, bool, int, int], ...]:
        if "price_changes" in event:  # the current schema: one asset id per change
            entries, legacy_asset = field.list("price_changes"), None
        else:  # the legacy schema (before 2025-09-15): one asset id for the message
            entries, legacy_asset = field.list("changes"), self.asset(field, "asset_id")
        changes = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise RecordingError(f"line {field.number}: {field.where}changes[{index}]: expected a JSON object")
            name = "price_changes" if legacy_asset is None else "changes"
            inner = _Fields(field.number, f"{field.where}{name}[{index}].", entry)
            asset_id = legacy_asset if legacy_asset is not None else self.asset(inner, "asset_id")
            side = inner.text("side")
            if side not in _SIDES:
                raise RecordingError(f"line {field.number}: {inner.where}side: expected BUY or SELL, got {side[:20]!r}")
            changes.append((asset_id, _SIDES[side], inner.price("price"), inner.size("size")))
        return tuple(changes)

    def asset(self, field: _Fields, name: str) -> str:
        asset_id = field.text(name)
        if not _TOKEN_ID.fullmatch(asset_id):
            raise RecordingError(f"line {field.number}: {field.where}{name}: expected a decimal token id")
        asset_id = str(int(asset_id))
        self.asset_lines.setdefault(asset_id, field.number)
        return asset_id

    def finish(self) -> Recording:
        if not self.messages:
            raise RecordingError("the recording holds no book, price_change, tick_size_change or last_trade_price")
        if self.market is not None:
            condition_id = self.market.condition_id
            for asset_id, number in self.asset_lines.items():
                if asset_id not in self.market.token_ids:
                    raise RecordingError(f"line {number}: asset_id: {asset_id} is not a token of the market line")
            for other, number in self.condition_ids.items():
                if other != condition_id:
                    raise RecordingError(f"line {number}: market: {other} is not the market line's {condition_id}")
        else:
            if not self.condition_ids:
                raise RecordingError("line 1: no market line, and no message names its market (field market)")
            if len(self.condition_ids) > 1:
                other, number = list(self.condition_ids.items())[1]
                raise RecordingError(f"line {number}: market: a second market {other} (replay one market a file)")
            condition_id = next(iter(self.condition_ids))
        return Recording(self.market, tuple(self.messages), condition_id, self.asset_lines, self.first_tick_units)


class _Fields:
    """Reads the fields of one JSON object, naming the line and the field in every error."""

    def __init__(self, number: int, where: str, value: dict[str, Any]) -> None:
        self.number, self.where, self.value = number, where, value

    def fail(self, name: str, why: str) -> RecordingError:
        return RecordingError(f"line {self.number}: {self.where}{name}: {why}")

    def get(self, name: str) -> Any:
        if name not in self.value:
            raise self.fail(name, "missing")
        return self.value[name]

    def text(self, name: str) -> str:
        value = self.get(name)
        if not isinstance(value, str):
            raise self.fail(name, "expected a string")
        return value

    def list(self, name: str) -> list[Any]:
        value = self.get(name)
        if not isinstance(value, list):
            raise self.fail(name, "expected an array")
        return value

    def condition_id(self, name: str) -> str:
        value = self.text(name)
        if not _CONDITION_ID.fullmatch(value):
            raise self.fail(name, "expected 0x and 64 hex digits")
        return value.lower()

    def units(self, name: str) -> int:
        value = self.get(name)
        text = str(value) if isinstance(value, Decimal | int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
            raise self.fail(name, f"expected a decimal string, got {str(value)[:40]!r}")
        whole, _, fraction = text.partition(".")
        if len(whole) > 19 or fraction.rstrip("0")[6:]:
            raise self.fail(name, f"{text[:40]!r} is not a whole number of 1e-6 units")
        units = int(whole) * UNIT + int((fraction + "000000")[:6])
        if units > MAX_UNITS:
            raise self.fail(name, f"{text[:40]!r} is over {format_units(MAX_UNITS)}")
        return units

    def price(self, name: str) -> int:
        units = self.units(name)
        if not 0 < units < UNIT:
            raise self.fail(name, "a price must lie strictly between 0 and 1")
        return units

    def size(self, name: str) -> int:
        return self.units(name)

    def tick(self, name: str) -> int:
        units = self.units(name)
        if units not in TICK_UNITS:
            raise self.fail(name, "a tick size is one of 0.1, 0.01, 0.001, 0.0001")
        return units

    def levels(self, name: str) -> tuple[tuple[int, int], ...]:
        levels = []
        for index, level in enumerate(self.list(name)):
            if not isinstance(level, dict):
                raise self.fail(f"{name}[{index}]", "expected {price, size}")
            inner = _Fields(self.number, f"{self.where}{name}[{index}].", level)
            levels.append((inner.price("price"), inner.size("size")))
        return tuple(levels)


def _market_line(number: int, value: dict[str, Any]) -> MarketLine:
    field = _Fields(number, "", value)
    condition_id = field.condition_id("condition_id")
    tokens = field.list("tokens")
    if len(tokens) != 2 or not all(isinstance(t, dict) for t in tokens):
        raise field.fail("tokens", "expected two objects {token_id, outcome}")
    token_ids, outcomes = [], []
    for index, token in enumerate(tokens):
        inner = _Fields(number, f"tokens[{index}].", token)
        token_id = inner.text("token_id")
        if not _TOKEN_ID.fullmatch(token_id):
            raise inner.fail("token_id", "expected a decimal token id")
        token_ids.append(str(int(token_id)))
        outcomes.append(inner.text("outcome") if "outcome" in token else ("Yes", "No")[index])
    if token_ids[0] == token_ids[1]:
        raise field.fail("tokens", "the two token ids are the same")
    neg_risk = value.get("neg_risk", False)
    if not isinstance(neg_risk, bool):
        raise field.fail("neg_risk", "expected true or false")
    question = value.get("question", "")
    if not isinstance(question, str) or "\x00" in question:
        raise field.fail("question", "expected a string without NUL")
    min_size_units = field.units("min_order_size") if "min_order_size" in value else 5 * UNIT
    if min_size_units <= 0:
        raise field.fail("min_order_size", "must be positive")
    return MarketLine(
        condition_id=condition_id,
        token_ids=(token_ids[0], token_ids[1]),
        outcomes=(outcomes[0], outcomes[1]),
        tick_units=field.tick("tick_size") if "tick_size" in value else 10_000,
        min_size_units=min_size_units,
        neg_risk=neg_risk,
        question=question,
    )


def _int(number: int, name: str, value: Any) -> int:
    """A millisecond time: an integer, or a string of digits (Polymarket's `timestamp`)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return value
    raise RecordingError(f"line {number}: {name}: expected milliseconds (an integer), got {str(value)[:40]!r}")
