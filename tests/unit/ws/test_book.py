"""BookView: the published book renders exactly as GET /book does, best last, with the same hash."""

from __future__ import annotations

import json

import msgspec

from openclob.core import UNIT, BookSide, Side
from openclob.wire import book_summary
from openclob.ws.book import BookView
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order
from tests.unit.ws.conftest import Harness


def _flow(harness: Harness) -> None:
    harness.publish(
        limit_order(ALICE, YES, Side.BUY, "0.40", "10"),
        limit_order(ALICE, YES, Side.BUY, "0.42", "5"),
        limit_order(BOB, NO, Side.BUY, "0.45", "7"),  # a YES ask at 0.55
        limit_order(BOB, YES, Side.SELL, "0.60", "12.5"),
        limit_order(ALICE, NO, Side.SELL, "0.65", "6"),  # a YES bid at 0.35
    )
    harness.publish(limit_order(BOB, YES, Side.SELL, "0.42", "5"))  # trades with alice's 0.42 bid


def test_view_summary_is_byte_for_byte_get_book_for_both_tokens(harness: Harness) -> None:
    _flow(harness)
    exchange = harness.service.exchange
    market = exchange.markets[CONDITION]
    view = harness.hub.market_feed.views[CONDITION]
    assert view.last_trade_units == market.last_trade_price_units is not None
    for index, token in enumerate((YES, NO)):
        rest = book_summary(exchange, market, token, 123)
        blank = dict(rest, hash="")
        assert view.summary_json(index, 123) == msgspec.json.encode(blank).decode()
        assert view.book_hash(index, 123) == rest["hash"]
        event = json.loads(view.book_event(index, 123))
        assert event["event_type"] == "book" and event["hash"] == rest["hash"]
        for key in ("market", "asset_id", "timestamp", "bids", "asks", "tick_size", "last_trade_price"):
            assert event[key] == rest[key], key


def test_levels_are_best_last_and_mirrored(harness: Harness) -> None:
    harness.publish(
        limit_order(ALICE, YES, Side.BUY, "0.40", "10"),
        limit_order(ALICE, YES, Side.BUY, "0.45", "5"),
        limit_order(BOB, YES, Side.SELL, "0.60", "6"),
        limit_order(BOB, YES, Side.SELL, "0.55", "7"),
    )
    view = harness.hub.market_feed.views[CONDITION]
    bids, asks = (json.loads(x) for x in view.levels_json(0))
    assert [b["price"] for b in bids] == ["0.4", "0.45"]
    assert [a["price"] for a in asks] == ["0.6", "0.55"]
    no_bids, no_asks = (json.loads(x) for x in view.levels_json(1))
    assert no_bids == [{"price": "0.4", "size": "6"}, {"price": "0.45", "size": "7"}]
    assert no_asks == [{"price": "0.6", "size": "10"}, {"price": "0.55", "size": "5"}]
    assert view.best(0) == (450_000, 550_000) and view.best(1) == (450_000, 550_000)


def test_set_level_adds_changes_and_removes_levels(harness: Harness) -> None:
    market = harness.service.exchange.markets[CONDITION]
    view = BookView(market, [], [])
    assert view.best(0) == (None, None) and view.levels_json(0) == ("[]", "[]")
    view.set_level(BookSide.BID, 300_000, 5 * UNIT)
    view.set_level(BookSide.BID, 350_000, 1 * UNIT)
    view.set_level(BookSide.BID, 300_000, 7 * UNIT)
    assert view.depth(0) == ([(350_000, UNIT), (300_000, 7 * UNIT)], [])
    assert view.best(1) == (None, 650_000)
    view.set_level(BookSide.BID, 350_000, 0)
    view.set_level(BookSide.BID, 999_000, 0)  # removing a level that is not there changes nothing
    assert view.depth(0) == ([(300_000, 7 * UNIT)], [])
    assert view.levels_json(0) == ('[{"price":"0.3","size":"7"}]', "[]")
