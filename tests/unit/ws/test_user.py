"""User channel rendering: order lifecycle and trades, as /data/orders and /data/trades show them."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from openclob.core import (
    AdvanceTime,
    CancelOrders,
    OrderType,
    Side,
    TradeStatus,
    TradeStatusChanged,
)
from openclob.store.base import Batch, Journalled
from openclob.wire import open_order, trade
from openclob.ws.user import FOK_KILLED, UserMessage
from tests.unit.core.conftest import ALICE, BOB, CONDITION, YES, limit_order
from tests.unit.ws.conftest import SETTLEMENT_DELAY_MS, Harness


class _Everyone:
    def __contains__(self, owner: object) -> bool:
        return True


_EVERYONE = _Everyone()


def _render(harness: Harness, *commands: Any) -> list[UserMessage]:
    entries = [harness.entry(c) for c in commands]
    batch = Batch(entries=entries, settlement_reference="0xref", written_at_ms=7_000)
    return harness.hub.user_feed.render(entries, batch, harness.service.exchange, _EVERYONE)


def _bodies(messages: list[UserMessage], owner: str) -> list[dict[str, Any]]:
    return [json.loads(m.text) for m in messages if m.owner == owner]


def test_placement_update_and_cancellation_follow_the_order(harness: Harness) -> None:
    resting = limit_order(ALICE, YES, Side.SELL, "0.60", "10")
    placed = _render(harness, resting)
    assert [(m.owner, m.condition_id) for m in placed] == [(ALICE.owner, CONDITION)]
    placement = json.loads(placed[0].text)
    market = harness.service.exchange.markets[CONDITION]
    record = harness.hub.user_feed.orders[resting.order_id]
    assert placement == {
        "event_type": "order",
        "type": "PLACEMENT",
        **open_order(record, market),
        "created_at": str(record.created_at_ms // 1000),
        "order_owner": ALICE.owner,
        "timestamp": str(harness.now_ms),
    }
    assert (placement["status"], placement["size_matched"], placement["original_size"]) == ("LIVE", "0", "10")

    filled = _render(harness, limit_order(BOB, YES, Side.BUY, "0.60", "6"))
    updates = [b for b in _bodies(filled, ALICE.owner) if b["event_type"] == "order"]
    assert [(u["type"], u["status"], u["size_matched"]) for u in updates] == [("UPDATE", "LIVE", "6")]
    assert len(updates[0]["associate_trades"]) == 1

    canceled = _render(harness, CancelOrders(now_ms=0, owner=ALICE.owner, order_ids=(resting.order_id,)))
    assert [(b["type"], b["status"], b["size_matched"]) for b in _bodies(canceled, ALICE.owner)] == [
        ("CANCELLATION", "CANCELED", "6")
    ]
    assert resting.order_id not in harness.hub.user_feed.orders


def test_a_trade_goes_to_the_taker_and_to_each_maker_as_they_see_it(harness: Harness) -> None:
    _render(harness, limit_order(ALICE, YES, Side.SELL, "0.60", "5"), limit_order(ALICE, YES, Side.SELL, "0.61", "5"))
    messages = _render(harness, limit_order(BOB, YES, Side.BUY, "0.61", "10"))
    bob = _bodies(messages, BOB.owner)
    alice = _bodies(messages, ALICE.owner)
    assert [(b["event_type"], b["type"]) for b in bob] == [
        ("order", "PLACEMENT"),
        ("trade", "TRADE"),
        ("order", "UPDATE"),
    ]
    assert [(b["event_type"], b["type"]) for b in alice] == [
        ("trade", "TRADE"),
        ("order", "UPDATE"),
        ("order", "UPDATE"),
    ]
    taker_view, maker_view = bob[1], alice[0]
    assert taker_view["id"] == maker_view["id"]
    assert (taker_view["trader_side"], maker_view["trader_side"]) == ("TAKER", "MAKER")
    assert len(taker_view["maker_orders"]) == 2 and taker_view["status"] == "MATCHED"
    assert taker_view["transaction_hash"] == "0xref" and taker_view["trade_owner"] == BOB.owner
    tracked = harness.hub.user_feed.trades[taker_view["id"]]
    market = harness.service.exchange.markets[CONDITION]
    expected = trade(tracked, market, ALICE.owner)
    assert {k: maker_view[k] for k in expected} == expected
    assert [b["status"] for b in alice[1:]] == ["MATCHED", "MATCHED"]
    assert harness.hub.user_feed.orders == {}


def test_trade_status_changes_are_sent_again_until_final(harness: Harness) -> None:
    _render(harness, limit_order(ALICE, YES, Side.SELL, "0.60", "5"))
    messages = _render(harness, limit_order(BOB, YES, Side.BUY, "0.60", "5"))
    trade_id = _bodies(messages, BOB.owner)[1]["id"]
    harness.now_ms += SETTLEMENT_DELAY_MS
    mined = _render(harness, AdvanceTime(now_ms=0))
    assert sorted((m.owner, json.loads(m.text)["status"]) for m in mined) == sorted(
        [(ALICE.owner, "MINED"), (BOB.owner, "MINED")]
    )
    assert json.loads(mined[0].text)["timestamp"] == str(harness.now_ms)
    harness.now_ms += SETTLEMENT_DELAY_MS
    confirmed = _render(harness, AdvanceTime(now_ms=0))
    assert {json.loads(m.text)["status"] for m in confirmed} == {"CONFIRMED"}
    assert trade_id not in harness.hub.user_feed.trades
    again = Journalled(
        sequence=99,
        command=AdvanceTime(now_ms=harness.now_ms),
        events=[TradeStatusChanged(trade_id, TradeStatus.CONFIRMED)],
    )
    batch = Batch(entries=[again], settlement_reference="0xref")
    assert harness.hub.user_feed.render([again], batch, harness.service.exchange, _EVERYONE) == []


def test_a_fak_remainder_is_cancelled_and_a_killed_fok_reports_the_captured_status(harness: Harness) -> None:
    _render(harness, limit_order(ALICE, YES, Side.SELL, "0.60", "5"))
    fak = _render(harness, limit_order(BOB, YES, Side.BUY, "0.60", "8", order_type=OrderType.FAK))
    last = _bodies(fak, BOB.owner)[-1]
    assert (last["type"], last["status"], last["size_matched"], last["order_type"]) == (
        "CANCELLATION",
        "CANCELED",
        "5",
        "FAK",
    )

    # The core refuses a FOK it cannot fill (nothing is stored); the sequencer hands it to the feeds as killed.
    feed = harness.hub.user_feed
    fok = msgspec.structs.replace(
        limit_order(ALICE, YES, Side.BUY, "0.40", "50", order_type=OrderType.FOK), now_ms=harness.now_ms + 1
    )
    messages = feed.render([], Batch(killed_orders=[fok]), harness.service.exchange, _EVERYONE)
    (body,) = [json.loads(m.text) for m in messages if m.owner == ALICE.owner]
    assert (body["type"], body["status"], body["id"], body["original_size"], body["price"]) == (
        "CANCELLATION",
        FOK_KILLED,
        fok.order_id,
        "50",
        "0.4",
    )


def test_tracked_trades_are_bounded(harness: Harness) -> None:
    feed = harness.hub.user_feed
    feed._tracked_trades = 2
    for _ in range(3):
        _render(harness, limit_order(ALICE, YES, Side.SELL, "0.60", "5"), limit_order(BOB, YES, Side.BUY, "0.60", "5"))
    assert len(feed.trades) == 2


def test_owners_without_a_socket_are_tracked_but_not_rendered(harness: Harness) -> None:
    feed = harness.hub.user_feed
    resting = harness.entry(limit_order(ALICE, YES, Side.SELL, "0.60", "10"))
    assert feed.render([resting], Batch(entries=[resting]), harness.service.exchange, set()) == []
    taker = harness.entry(limit_order(BOB, YES, Side.BUY, "0.60", "6"))
    messages = feed.render([taker], Batch(entries=[taker]), harness.service.exchange, {ALICE.owner})
    bodies = [json.loads(m.text) for m in messages]
    update = next(b for b in bodies if b["event_type"] == "order")
    assert {m.owner for m in messages} == {ALICE.owner}
    assert (update["type"], update["size_matched"], update["original_size"]) == ("UPDATE", "6", "10")
