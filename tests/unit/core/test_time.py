"""Time comes in with commands: GTD expiry and heartbeat deadlines."""

from __future__ import annotations

from openclob.core import (
    COLLATERAL,
    UNIT,
    AdvanceTime,
    CancelReason,
    Exchange,
    Heartbeat,
    OrderCanceled,
    OrderType,
    Side,
)
from tests.unit.core.conftest import ALICE, BOB, YES, limit_order, placed

NOW_S = 10_000


def test_gtd_order_expires_a_minute_before_its_expiration(exchange: Exchange) -> None:
    order = limit_order(
        ALICE, YES, Side.BUY, "0.50", "10", now_ms=NOW_S * 1000, order_type=OrderType.GTD, expiration=NOW_S + 100
    )
    placed(exchange.apply(order))
    assert exchange.apply(AdvanceTime(now_ms=(NOW_S + 39) * 1000)).events == []
    applied = exchange.apply(AdvanceTime(now_ms=(NOW_S + 40) * 1000))
    canceled = [e for e in applied.events if isinstance(e, OrderCanceled)]
    assert [(e.order_id, e.reason) for e in canceled] == [(order.order_id, CancelReason.EXPIRED)]
    assert exchange.balance(ALICE.address, COLLATERAL) == (800 * UNIT, 0)


def test_an_expired_order_is_never_matched_even_before_a_time_advance(exchange: Exchange) -> None:
    order = limit_order(
        ALICE, YES, Side.BUY, "0.50", "10", now_ms=NOW_S * 1000, order_type=OrderType.GTD, expiration=NOW_S + 100
    )
    placed(exchange.apply(order))
    taker = placed(exchange.apply(limit_order(BOB, YES, Side.SELL, "0.50", "10", now_ms=(NOW_S + 41) * 1000)))
    assert taker.matched_units == 0


def test_missed_heartbeat_cancels_all_of_the_owners_orders_and_only_theirs(exchange: Exchange) -> None:
    mine = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10", now_ms=1_000)))
    placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.40", "10", now_ms=1_000)))
    exchange.apply(Heartbeat(now_ms=1_000, owner=ALICE.owner, timeout_ms=10_000))
    exchange.apply(Heartbeat(now_ms=9_000, owner=ALICE.owner, timeout_ms=10_000))
    assert exchange.apply(AdvanceTime(now_ms=18_999)).events == []  # the first deadline was superseded
    applied = exchange.apply(AdvanceTime(now_ms=19_000))
    assert [(e.order_id, e.reason) for e in applied.events if isinstance(e, OrderCanceled)] == [
        (mine.order_id, CancelReason.HEARTBEAT)
    ]
    assert exchange.heartbeat_deadline(ALICE.owner) is None
    assert len(exchange.open_orders(BOB.owner)) == 1
