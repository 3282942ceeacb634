"""Dynamic tick: 0.01 markets move to 0.001 outside [0.04, 0.96] and back."""

from __future__ import annotations

from openclob.core import Exchange, Side, TickSizeChanged
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order, new_exchange, placed, refused


def _tick_events(events: list[object]) -> list[tuple[int, int]]:
    return [(e.old_tick_units, e.new_tick_units) for e in events if isinstance(e, TickSizeChanged)]


def test_a_bid_above_0_96_switches_the_tick_to_0_001_and_back_when_it_leaves(exchange: Exchange) -> None:
    applied = exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.97", "10"))
    bid = placed(applied)
    assert _tick_events(applied.events) == [(10_000, 1_000)]
    tick_event = next(e for e in applied.events if isinstance(e, TickSizeChanged))
    assert tick_event.token_ids == (YES, NO)
    assert exchange.markets[CONDITION].tick_units == 1_000
    placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.965", "10")))  # valid on the fine tick
    from openclob.core import CancelAll

    exchange.apply(CancelAll(now_ms=2, owner=BOB.owner))
    applied = exchange.apply(CancelAll(now_ms=2, owner=ALICE.owner))
    assert bid.order_id in getattr(applied.result, "canceled", ())
    assert _tick_events(applied.events) == [(1_000, 10_000)]


def test_a_trade_below_0_04_keeps_the_fine_tick_until_a_trade_inside(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, NO, Side.SELL, "0.97", "10")))  # a YES bid at 0.03
    applied = exchange.apply(limit_order(BOB, YES, Side.SELL, "0.03", "10"))  # trades at 0.03
    assert placed(applied).matched_units > 0
    assert exchange.markets[CONDITION].tick_units == 1_000
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "10")))
    assert exchange.markets[CONDITION].tick_units == 1_000  # last trade still outside
    applied = exchange.apply(limit_order(BOB, YES, Side.SELL, "0.50", "10"))
    assert _tick_events(applied.events) == [(1_000, 10_000)]


def test_a_market_with_dynamic_tick_off_keeps_its_tick() -> None:
    exchange = new_exchange(dynamic_tick=False)
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.97", "10")))
    assert exchange.markets[CONDITION].tick_units == 10_000
    assert refused(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.965", "10")))


def test_an_order_is_checked_against_the_tick_its_commands_expiries_leave(exchange: Exchange) -> None:
    from openclob.core import OrderType, Reject

    now_s = 10_000
    extreme = limit_order(
        ALICE, YES, Side.BUY, "0.97", "10", now_ms=now_s * 1000, order_type=OrderType.GTD, expiration=now_s + 120
    )
    placed(exchange.apply(extreme))
    assert exchange.markets[CONDITION].tick_units == 1_000
    # the GTD bid expires at now + 60 s; the next order arrives then, with no time advance in between
    fine = limit_order(BOB, YES, Side.BUY, "0.505", "10", now_ms=(now_s + 60) * 1000)
    assert refused(exchange.apply(fine)).reject is Reject.PRICE_NOT_ON_TICK
    assert exchange.markets[CONDITION].tick_units == 10_000
