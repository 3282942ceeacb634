"""Market channel rendering: price_change for both tokens, trades, ticks and the custom features."""

from __future__ import annotations

import json
from typing import Any

from openclob.core import UNIT, CreateMarket, Deposit, OrderType, PlaceOrder, ResolveMarket, Side
from openclob.ws.market import BOTH, FIRST, SECOND, MarketMessage
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order
from tests.unit.ws.conftest import Harness


def _render(harness: Harness, *commands: Any) -> list[MarketMessage]:
    entries = [harness.entry(c) for c in commands]
    service = harness.service
    feed = harness.hub.market_feed
    return feed.render(entries, service.exchange, service.edge.market_infos, feed.views).messages


def _parsed(messages: list[MarketMessage]) -> list[dict[str, Any]]:
    return [json.loads(m.text) for m in messages]


def test_a_resting_order_gives_one_price_change_with_entries_for_both_tokens(harness: Harness) -> None:
    messages = _render(harness, limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    plain = [m for m in messages if not m.custom_only]
    assert [(m.condition_id, m.scope) for m in plain] == [(CONDITION, BOTH)]
    change = json.loads(plain[0].text)
    assert change["event_type"] == "price_change" and change["market"] == CONDITION
    assert change["timestamp"] == str(harness.now_ms)
    yes, no = change["price_changes"]
    view = harness.hub.market_feed.views[CONDITION]
    assert yes == {
        "asset_id": YES, "price": "0.4", "size": "10", "side": "BUY",
        "hash": view.book_hash(0, harness.now_ms), "best_bid": "0.4", "best_ask": "1",
    }  # fmt: skip
    assert no == {
        "asset_id": NO, "price": "0.6", "size": "10", "side": "SELL",
        "hash": view.book_hash(1, harness.now_ms), "best_bid": "0", "best_ask": "0.6",
    }  # fmt: skip


def test_best_prices_are_those_after_each_command_not_after_the_batch(harness: Harness) -> None:
    messages = _render(
        harness,
        limit_order(ALICE, YES, Side.BUY, "0.40", "10"),
        limit_order(ALICE, YES, Side.BUY, "0.45", "10"),
    )
    changes = [p for p in _parsed(messages) if p["event_type"] == "price_change"]
    assert [c["price_changes"][0]["best_bid"] for c in changes] == ["0.4", "0.45"]
    assert changes[0]["timestamp"] != changes[1]["timestamp"]


def test_a_trade_gives_last_trade_prices_then_price_change_then_book_snapshots(harness: Harness) -> None:
    harness.publish(limit_order(ALICE, YES, Side.SELL, "0.60", "10"), limit_order(ALICE, YES, Side.SELL, "0.61", "5"))
    messages = _render(harness, limit_order(BOB, NO, Side.SELL, "0.39", "12"))  # a YES bid at 0.61: two MERGE fills
    kinds = [(p["event_type"], p.get("asset_id")) for p in _parsed(messages) if p["event_type"] != "best_bid_ask"]
    assert kinds == [
        ("last_trade_price", NO), ("last_trade_price", YES), ("last_trade_price", NO), ("last_trade_price", YES),
        ("price_change", None), ("book", YES), ("book", NO),
    ]  # fmt: skip
    prints = [p for p in _parsed(messages) if p["event_type"] == "last_trade_price"]
    assert [(p["asset_id"], p["price"], p["side"], p["size"]) for p in prints] == [
        (NO, "0.4", "SELL", "10"), (YES, "0.6", "BUY", "10"), (NO, "0.39", "SELL", "2"), (YES, "0.61", "BUY", "2"),
    ]  # fmt: skip
    books = {p["asset_id"]: p for p in _parsed(messages) if p["event_type"] == "book"}
    assert books[YES]["last_trade_price"] == "0.61" and books[NO]["last_trade_price"] == "0.39"
    assert books[YES]["asks"] == [{"price": "0.61", "size": "3"}] and books[YES]["bids"] == []
    scopes = {(m.scope, json.loads(m.text)["event_type"]) for m in messages if not m.custom_only}
    assert (FIRST, "book") in scopes and (SECOND, "book") in scopes


def test_a_killed_fak_remainder_leaves_no_level_behind(harness: Harness) -> None:
    harness.publish(limit_order(ALICE, YES, Side.SELL, "0.60", "5"))
    messages = _render(harness, limit_order(BOB, YES, Side.BUY, "0.60", "8", order_type=OrderType.FAK))
    change = next(p for p in _parsed(messages) if p["event_type"] == "price_change")
    assert [(e["asset_id"], e["price"], e["size"]) for e in change["price_changes"]] == [
        (YES, "0.6", "0"),
        (NO, "0.4", "0"),
    ]


def test_dynamic_tick_change_is_sent_for_both_tokens(harness: Harness) -> None:
    messages = _render(harness, limit_order(ALICE, YES, Side.BUY, "0.97", "5"))
    ticks = [p for p in _parsed(messages) if p["event_type"] == "tick_size_change"]
    assert [(t["asset_id"], t["old_tick_size"], t["new_tick_size"]) for t in ticks] == [
        (YES, "0.01", "0.001"),
        (NO, "0.01", "0.001"),
    ]
    assert harness.hub.market_feed.views[CONDITION].tick_units == 1_000


def test_best_bid_ask_is_custom_and_only_when_the_best_moves(harness: Harness) -> None:
    first = _render(harness, limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    custom = [(m.scope, json.loads(m.text)) for m in first if m.custom_only]
    assert [(scope, p["asset_id"], p["best_bid"], p["best_ask"], p["spread"]) for scope, p in custom] == [
        (FIRST, YES, "0.4", "1", "0.6"),
        (SECOND, NO, "0", "0.6", "0.6"),
    ]
    deeper = _render(harness, limit_order(ALICE, YES, Side.BUY, "0.30", "10"))
    assert [m for m in deeper if m.custom_only] == []


def test_market_resolved_is_custom_with_the_winner(harness: Harness) -> None:
    harness.publish(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))
    messages = _render(harness, ResolveMarket(now_ms=0, condition_id=CONDITION, winning_token_id=NO))
    resolved = [json.loads(m.text) for m in messages if json.loads(m.text)["event_type"] == "market_resolved"]
    assert resolved == [
        {
            "event_type": "market_resolved", "id": CONDITION, "market": CONDITION, "assets_ids": [YES, NO],
            "winning_asset_id": NO, "winning_outcome": "No", "timestamp": str(harness.now_ms), "tags": [],
        }
    ]  # fmt: skip
    change = next(p for p in _parsed(messages) if p["event_type"] == "price_change")
    assert change["price_changes"][0]["size"] == "0"  # the resting bid was cancelled


def test_new_market_waits_for_the_market_words(harness: Harness) -> None:
    from openclob.core import CreateMarket

    condition = "0x" + "d4" * 32
    entries = [harness.entry(CreateMarket(now_ms=0, condition_id=condition, token_ids=("301", "302")))]
    feed, service = harness.hub.market_feed, harness.service
    assert feed.render(entries, service.exchange, service.edge.market_infos, feed.views).announcements == []
    assert feed.unannounced() == [condition]
    harness.add_words(condition, "Will it snow?")
    announced = feed.render([], service.exchange, service.edge.market_infos, feed.views).announcements
    assert len(announced) == 1 and feed.unannounced() == []
    event = json.loads(announced[0])
    assert (event["event_type"], event["question"], event["assets_ids"], event["outcomes"]) == (
        "new_market",
        "Will it snow?",
        ["301", "302"],
        ["Yes", "No"],
    )
    assert event["order_price_min_tick_size"] == "0.01" and event["active"] is True


def test_an_unwatched_market_is_kept_current_but_not_rendered(harness: Harness) -> None:
    condition = "0x" + "d5" * 32
    feed, service = harness.hub.market_feed, harness.service
    listed = harness.entry(CreateMarket(now_ms=0, condition_id=condition, token_ids=("401", "402")))
    feed.render([listed], service.exchange, service.edge.market_infos, feed.views)
    deposit = harness.entry(Deposit(now_ms=0, address="0x" + "e1" * 20, amount=100 * UNIT))
    bid = harness.entry(
        PlaceOrder(
            now_ms=0,
            order_id="0x" + "0e" * 32,
            owner="k",
            maker="0x" + "e1" * 20,
            signer="0x" + "e1" * 20,
            token_id="401",
            side=Side.BUY,
            maker_amount=4 * UNIT,
            taker_amount=10 * UNIT,
        )
    )
    output = feed.render([deposit, bid], service.exchange, service.edge.market_infos, set())
    assert output.messages == []
    assert feed.views[condition].best(0) == (400_000, None)
