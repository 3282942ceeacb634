"""Reading recordings: every shape the market channel sends, exact units, and faults named by line and field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openclob.replay.recording import (
    BookMessage,
    LastTrade,
    LevelChanges,
    RecordingError,
    TickChange,
    parse_recording,
)

MARKET = "0x" + "ab" * 32
HEADER = {"type": "market", "condition_id": MARKET, "tokens": [{"token_id": "1", "outcome": "Yes"},
          {"token_id": "2", "outcome": "No"}], "tick_size": 0.01, "min_order_size": 5, "neg_risk": False}  # fmt: skip
BOOK = {"event_type": "book", "asset_id": "1", "market": MARKET, "bids": [{"price": "0.48", "size": "12.345678"}],
        "asks": [{"price": "0.52", "size": "3"}], "timestamp": "1700000000123"}  # fmt: skip


def lines(*values: Any) -> list[str]:
    return [json.dumps(value) for value in values]


def test_messages_wrapped_or_bare_objects_or_arrays_all_read_with_exact_units() -> None:
    change = {"event_type": "price_change", "market": MARKET, "price_changes": [
        {"asset_id": "2", "price": "0.5", "side": "SELL", "size": "0"}]}  # fmt: skip
    tick = {"event_type": "tick_size_change", "asset_id": "1", "market": MARKET, "new_tick_size": "0.001"}
    trade = {"event_type": "last_trade_price", "asset_id": "1", "market": MARKET, "price": "0.5"}
    recording = parse_recording(lines(HEADER, BOOK, {"ts": 5, "msg": [change, tick]}, trade))
    assert recording.market is not None and recording.market.tick_units == 10_000
    assert recording.market.min_size_units == 5_000_000
    assert recording.messages == (
        BookMessage(2, 1700000000123, "1", ((480_000, 12_345_678),), ((520_000, 3_000_000),)),
        LevelChanges(3, 5, (("2", False, 500_000, 0),)),
        TickChange(3, 5, "1", 1_000),
        LastTrade(4, None, "1"),
    )


def test_without_a_market_line_the_market_comes_from_the_messages() -> None:
    recording = parse_recording(lines(BOOK, {**BOOK, "asset_id": "2", "tick_size": "0.001"}))
    assert (recording.market, recording.condition_id, list(recording.asset_lines)) == (None, MARKET, ["1", "2"])
    assert recording.first_tick_units == 1_000


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("{not json", "line 2: not JSON"),
        (json.dumps({**BOOK, "bids": [{"price": "1.2", "size": "1"}]}), "line 2: bids[0].price: a price must lie"),
        (json.dumps({**BOOK, "asks": [{"price": "0.5"}]}), "line 2: asks[0].size: missing"),
        (json.dumps({**BOOK, "asks": [{"price": "0.5", "size": "1e3"}]}), "line 2: asks[0].size: expected a decimal"),
        (json.dumps({**BOOK, "asks": [{"price": "0.5", "size": "0.0000001"}]}), "line 2: asks[0].size: '0.0000001'"),
        (json.dumps({**BOOK, "asks": [{"price": "0.5", "size": "9" * 19}]}), "line 2: asks[0].size: '9999"),
        (json.dumps({**BOOK, "asset_id": "3"}), "line 2: asset_id: 3 is not a token of the market line"),
        (json.dumps({"ts": "soon", "msg": BOOK}), "line 2: ts: expected milliseconds"),
        (json.dumps([BOOK, {"event_type": "order"}]), "line 2: [1]event_type: unknown event type 'order'"),
        (
            json.dumps(
                {
                    "event_type": "price_change",
                    "market": MARKET,
                    "price_changes": [{"asset_id": "1", "price": "0.5", "side": "bid", "size": "1"}],
                }
            ),
            "line 2: price_changes[0].side: expected BUY or SELL",
        ),
        (
            json.dumps({"event_type": "tick_size_change", "asset_id": "1", "market": MARKET, "new_tick_size": "0.02"}),
            "line 2: new_tick_size: a tick size is one of",
        ),
        (json.dumps(HEADER), "line 2: a market line may only be the first line"),
    ],
)
def test_a_malformed_line_is_named_with_its_field(line: str, error: str) -> None:
    with pytest.raises(RecordingError, match="^" + error.replace("[", r"\[").replace("]", r"\]")):
        parse_recording([json.dumps(HEADER), line])


def test_a_bad_market_line_and_an_empty_recording_are_refused() -> None:
    with pytest.raises(RecordingError, match=r"^line 1: tokens: expected two objects"):
        parse_recording(lines({**HEADER, "tokens": [{"token_id": "1"}]}, BOOK))
    with pytest.raises(RecordingError, match="holds no book"):
        parse_recording(lines(HEADER))
