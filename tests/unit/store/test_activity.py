"""The Data API's read model in the SQL stores: activity by address, the public trade tape, market volumes."""

from __future__ import annotations

from typing import Any

from openclob.core import UNIT
from openclob.store.sql import SqlStore
from tests.unit.store.scenario import (
    ALICE,
    BOB,
    CAROL,
    MARKET,
    NO,
    OTHER_MARKET,
    YES,
    TradingDay,
)

Store = SqlStore[Any]


def _rows(store: Store, address: str, **filters: Any) -> list[tuple[Any, ...]]:
    found = store.activity(address, limit=100, **filters)
    return [
        (r.type, r.condition_id, r.token_id, r.side, r.size_units, r.usdc_units, r.price_units, r.taker) for r in found
    ]


def test_a_trade_gives_its_taker_and_each_maker_a_row_in_their_own_token_side_and_price(
    store: Store, day: TradingDay
) -> None:
    bob = _rows(store, BOB.address, types=["TRADE"])
    assert bob == [("TRADE", MARKET, NO, "BUY", 5 * UNIT, 2 * UNIT, 400_000, True)]  # the MINT, as its taker
    carol = _rows(store, CAROL.address, types=["TRADE"])
    assert carol == [
        ("TRADE", MARKET, YES, "BUY", 5 * UNIT, 2_750_000, 550_000, True),  # trade 3 (FAK)
        ("TRADE", MARKET, YES, "BUY", 5 * UNIT, 3 * UNIT, 600_000, False),  # trade 2, her resting bid
        ("TRADE", MARKET, YES, "BUY", 10 * UNIT, 6 * UNIT, 600_000, True),  # trade 1
    ]
    (trade2,) = store.activity(BOB.address, limit=1, types=["TRADE"])
    assert trade2.trade_id == day.ids["trade2"]
    assert trade2.transaction_hash == day.batches[2].settlement_reference


def test_splits_are_activity_and_the_filters_and_order_apply(store: Store, day: TradingDay) -> None:
    oldest = _rows(store, ALICE.address, oldest_first=True)
    assert oldest[:2] == [
        ("SPLIT", MARKET, "", "", 1_000 * UNIT, 1_000 * UNIT, 0, False),
        ("SPLIT", OTHER_MARKET, "", "", 1_000 * UNIT, 1_000 * UNIT, 0, False),
    ]
    assert _rows(store, ALICE.address) == oldest[::-1]
    assert _rows(store, ALICE.address, condition_ids=[OTHER_MARKET]) == [oldest[1]]
    assert [r[0] for r in _rows(store, ALICE.address, types=["SPLIT", "MERGE"])] == ["SPLIT", "SPLIT"]
    assert _rows(store, CAROL.address, types=["TRADE"], taker_only=True) == [
        r for r in _rows(store, CAROL.address, types=["TRADE"]) if r[7]
    ]
    page = store.activity(CAROL.address, limit=1, offset=1, types=["TRADE"])
    assert [r.trade_id for r in page] == [day.ids["trade2"]]
    assert store.activity("0x" + "ee" * 20, limit=10) == []
    trades = store.activity(CAROL.address, limit=10, types=["TRADE"])
    assert store.activity(CAROL.address, limit=10, side="SELL") == []
    assert len(store.activity(CAROL.address, limit=10, side="BUY")) == 3
    newest = trades[0].at_ms
    since = store.activity(CAROL.address, limit=10, types=["TRADE"], start_ms=newest)
    assert [r.trade_id for r in since] == [trades[0].trade_id]
    assert trades[0] not in store.activity(CAROL.address, limit=10, end_ms=newest - 1)


def test_a_resolution_that_pays_at_once_is_a_redemption_of_each_holder(store: Store, day: TradingDay) -> None:
    (redeemed,) = store.activity(CAROL.address, limit=10, types=["REDEEM"])
    # CAROL held 1,000 of each token from her split and bought 20 YES
    assert (redeemed.condition_id, redeemed.token_ids_in) == (MARKET, [YES, NO])
    assert (redeemed.size_units, redeemed.usdc_units) == (2_020 * UNIT, 1_020 * UNIT)
    assert redeemed.transaction_hash == day.batches[-1].settlement_reference


def test_the_tape_is_every_trade_newest_first_and_volumes_sum_the_takers_collateral(
    store: Store, day: TradingDay
) -> None:
    tape = store.tape(limit=10)
    assert [t.trade_id for t in tape] == [day.ids["trade3"], day.ids["trade2"], day.ids["trade1"]]
    assert [t.trade_id for t in store.tape(limit=1, offset=1, condition_ids=[MARKET])] == [day.ids["trade2"]]
    assert store.tape(limit=10, condition_ids=[OTHER_MARKET]) == []
    assert store.market_volumes() == {MARKET: (6 * UNIT + 2 * UNIT + 2_750_000,)}
    times = [t.matched_at_ms for t in tape]  # newest first
    assert store.market_volumes([MARKET], [times[1], times[0] + 1]) == {MARKET: (10_750_000, 2 * UNIT + 2_750_000, 0)}
    assert store.market_volumes([OTHER_MARKET]) == {} and store.market_volumes([]) == {}
