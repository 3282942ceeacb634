"""Settlement in the core: MATCHED -> MINED -> CONFIRMED on the commands' time, and the settlement lag."""

from __future__ import annotations

from openclob.core import (
    COLLATERAL,
    UNIT,
    AdvanceTime,
    ConfigureSettlement,
    Exchange,
    OrderType,
    ProceedsAvailableAt,
    Reject,
    ResolveMarket,
    Side,
    TradeStatus,
    TradeStatusChanged,
)
from openclob.core.bounds import MAX_SETTLEMENT_DELAY_MS
from openclob.core.snapshot import decode_state, export_state, restore
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order, new_exchange, placed, refused

T = 1_000_000
DELAY = 5_000
MINED_AT = ProceedsAvailableAt.MINED


def _configured(
    delay_ms: int, proceeds: ProceedsAvailableAt = ProceedsAvailableAt.MATCHED, **market: object
) -> Exchange:
    exchange = new_exchange(**market)
    exchange.apply(ConfigureSettlement(now_ms=0, delay_ms=delay_ms, proceeds_available_at=proceeds))
    return exchange


def _trade(exchange: Exchange, buyer_token: str = YES, now_ms: int = T) -> str:
    """ALICE sells 10 of `buyer_token` at 0.60, BOB buys them: one trade; its id."""
    placed(exchange.apply(limit_order(ALICE, buyer_token, Side.SELL, "0.60", "10", now_ms=now_ms)))
    taken = placed(exchange.apply(limit_order(BOB, buyer_token, Side.BUY, "0.60", "10", now_ms=now_ms)))
    (trade_id,) = taken.trade_ids
    return trade_id


def _statuses(exchange: Exchange, now_ms: int) -> list[tuple[str, TradeStatus]]:
    events = exchange.apply(AdvanceTime(now_ms=now_ms)).events
    return [(e.trade_id, e.status) for e in events if isinstance(e, TradeStatusChanged)]


def test_a_trade_is_mined_after_the_delay_and_confirmed_after_twice_it_not_before() -> None:
    exchange = _configured(DELAY)
    trade_id = _trade(exchange)
    assert exchange.unsettled_trades() == [(trade_id, TradeStatus.MATCHED)]
    assert _statuses(exchange, T + DELAY - 1) == []
    assert _statuses(exchange, T + DELAY) == [(trade_id, TradeStatus.MINED)]
    assert exchange.unsettled_trades() == [(trade_id, TradeStatus.MINED)]
    assert _statuses(exchange, T + 2 * DELAY - 1) == []
    assert _statuses(exchange, T + 2 * DELAY) == [(trade_id, TradeStatus.CONFIRMED)]
    assert exchange.unsettled_trades() == [] and exchange.next_due_ms() is None


def test_a_late_time_advance_takes_every_step_due_in_time_order() -> None:
    exchange = _configured(DELAY)
    first = _trade(exchange, now_ms=T)
    second = _trade(exchange, now_ms=T + 1)
    assert _statuses(exchange, T + 10 * DELAY) == [
        (first, TradeStatus.MINED),
        (second, TradeStatus.MINED),
        (first, TradeStatus.CONFIRMED),
        (second, TradeStatus.CONFIRMED),
    ]


def test_without_a_delay_the_next_time_advance_mines_and_confirms_the_trade() -> None:
    exchange = new_exchange()
    trade_id = _trade(exchange)
    assert exchange.next_settlement_ms() == T
    assert _statuses(exchange, T) == [(trade_id, TradeStatus.MINED), (trade_id, TradeStatus.CONFIRMED)]


def test_only_a_time_advance_takes_settlement_steps_while_expiries_run_before_any_command() -> None:
    exchange = _configured(DELAY)
    trade_id = _trade(exchange)
    gtd = limit_order(ALICE, YES, Side.BUY, "0.40", "10", now_ms=T, order_type=OrderType.GTD, expiration=T // 1000 + 62)
    placed(exchange.apply(gtd))  # expires at T + 2 s, between the trade's match and its MINED
    later = placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.30", "10", now_ms=T + 10 * DELAY)))
    assert later.status.value == "LIVE" and exchange.unsettled_trades() == [(trade_id, TradeStatus.MATCHED)]
    assert exchange.order(gtd.order_id) is None  # (expiries still run before any command)
    events = exchange.apply(AdvanceTime(now_ms=T + 10 * DELAY)).events
    assert [(e.trade_id, e.status) for e in events if isinstance(e, TradeStatusChanged)] == [
        (trade_id, TradeStatus.MINED),
        (trade_id, TradeStatus.CONFIRMED),
    ]


def test_a_new_delay_applies_to_trades_matched_after_it() -> None:
    exchange = _configured(DELAY)
    before = _trade(exchange)
    exchange.apply(ConfigureSettlement(now_ms=T, delay_ms=60_000))
    after = _trade(exchange)
    assert _statuses(exchange, T + DELAY) == [(before, TradeStatus.MINED)]
    assert _statuses(exchange, T + 60_000) == [(before, TradeStatus.CONFIRMED), (after, TradeStatus.MINED)]


def test_a_delay_out_of_bounds_is_refused_and_changes_nothing() -> None:
    exchange = _configured(DELAY)
    for delay in (-1, MAX_SETTLEMENT_DELAY_MS + 1):
        assert (
            refused(exchange.apply(ConfigureSettlement(now_ms=0, delay_ms=delay))).reject is Reject.INVALID_SETTLEMENT
        )
    assert exchange.settlement() == (DELAY, False)


def test_with_the_lag_bought_tokens_are_not_spendable_until_the_trade_is_mined() -> None:
    exchange = _configured(DELAY, MINED_AT)
    _trade(exchange)
    # BOB paid at once (800 - 6) and holds his 100 YES from the split, not the 10 bought
    assert exchange.balance(BOB.address, COLLATERAL) == (794 * UNIT, 0)
    assert exchange.balance(BOB.address, YES) == (100 * UNIT, 0)
    assert exchange.pending_of(BOB.address, YES) == 10 * UNIT
    assert exchange.pending_of(ALICE.address, COLLATERAL) == 6 * UNIT
    exchange.check_invariants()
    resell = limit_order(BOB, YES, Side.SELL, "0.70", "110", now_ms=T + 1)
    assert refused(exchange.apply(resell)).reject is Reject.NOT_ENOUGH_BALANCE
    exchange.apply(AdvanceTime(now_ms=T + DELAY))
    assert exchange.balance(BOB.address, YES) == (110 * UNIT, 0)
    assert exchange.balance(ALICE.address, COLLATERAL) == (806 * UNIT, 0)
    assert exchange.pending() == []
    placed(exchange.apply(limit_order(BOB, YES, Side.SELL, "0.70", "110", now_ms=T + DELAY)))
    exchange.check_invariants()


def test_with_the_lag_a_v2_sellers_fee_comes_out_of_its_pending_proceeds() -> None:
    exchange = _configured(DELAY, MINED_AT, fee_rate_bps=100, dynamic_tick=False)
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "10", now_ms=T, fee_rate_bps=100)))
    taker = limit_order(BOB, YES, Side.SELL, "0.50", "10", now_ms=T, fee_rate_bps=None)
    placed(exchange.apply(taker))
    # 10 shares at 0.50: 5 collateral, less a fee of 10 * 0.01 * 0.25 = 0.025
    assert exchange.pending_of(BOB.address, COLLATERAL) == 5 * UNIT - 25_000
    assert exchange.balance(BOB.address, COLLATERAL) == (800 * UNIT, 0)
    exchange.check_invariants()
    exchange.apply(AdvanceTime(now_ms=T + DELAY))
    assert exchange.balance(BOB.address, COLLATERAL) == (805 * UNIT - 25_000, 0)


def test_resolution_turns_pending_winning_tokens_into_pending_collateral_and_drops_the_losers() -> None:
    exchange = _configured(DELAY, MINED_AT)
    _trade(exchange, buyer_token=YES)
    _trade(exchange, buyer_token=NO)
    exchange.apply(ResolveMarket(now_ms=T, condition_id=CONDITION, winning_token_id=YES))
    exchange.check_invariants()
    # BOB bought 10 YES (pays 10) and 10 NO (pays nothing); ALICE's sale proceeds stay as they were
    assert exchange.pending_of(BOB.address, COLLATERAL) == 10 * UNIT
    assert exchange.pending_of(BOB.address, YES) == exchange.pending_of(BOB.address, NO) == 0
    assert exchange.pending_of(ALICE.address, COLLATERAL) == 12 * UNIT
    free_before = exchange.balance(BOB.address, COLLATERAL)[0]
    exchange.apply(AdvanceTime(now_ms=T + DELAY))
    assert exchange.balance(BOB.address, COLLATERAL)[0] == free_before + 10 * UNIT
    exchange.check_invariants()


def test_unsettled_trades_and_pending_proceeds_survive_a_snapshot() -> None:
    exchange = _configured(DELAY, MINED_AT)
    orders = [limit_order(ALICE, YES, Side.SELL, "0.60", "10", now_ms=T), limit_order(BOB, YES, Side.BUY, "0.60", "10")]
    for order in orders:
        placed(exchange.apply(order))
    restored = restore(decode_state(export_state(exchange)), {o.order_id: o.owner for o in orders})
    assert restored.unsettled_trades() == exchange.unsettled_trades() and restored.pending() == exchange.pending()
    assert restored.state_hash() == exchange.state_hash()
    assert restored.apply(AdvanceTime(now_ms=T + 2 * DELAY)) == exchange.apply(AdvanceTime(now_ms=T + 2 * DELAY))
    assert restored.state_hash() == exchange.state_hash()


def test_a_killed_fok_leaves_no_settlement_behind() -> None:
    exchange = _configured(DELAY, MINED_AT)
    fok = limit_order(BOB, YES, Side.BUY, "0.60", "10", now_ms=T, order_type=OrderType.FOK)
    assert refused(exchange.apply(fok)).reject is Reject.FOK_NOT_FILLED
    assert exchange.unsettled_trades() == [] and exchange.pending() == []
