from __future__ import annotations

from openclob.core import (
    UNIT,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Exchange,
    OrderStatus,
    Reject,
    SetTradingMode,
    Side,
    TradingMode,
    TradingModeChanged,
)
from openclob.core.modes import MODE_TRANSITIONS, ORDER_TRANSITIONS, can_transition
from tests.unit.core.conftest import ALICE, CONDITION, YES, limit_order, placed, refused


def _switch(exchange: Exchange, mode: TradingMode) -> None:
    exchange.apply(SetTradingMode(now_ms=1, mode=mode))


def test_cancel_only_mode_refuses_orders_with_the_exact_text_but_allows_cancels(exchange: Exchange) -> None:
    resting = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    _switch(exchange, TradingMode.CANCEL_ONLY)
    reject = refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    assert reject.reject is Reject.TRADING_CANCEL_ONLY
    assert reject.message == ("Trading is currently cancel-only. New orders are not accepted, but cancels are allowed.")
    result = exchange.apply(CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(resting.order_id,))).result
    assert getattr(result, "canceled", None) == (resting.order_id,)


def test_disabled_mode_refuses_orders_and_every_kind_of_cancel(exchange: Exchange) -> None:
    resting = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    _switch(exchange, TradingMode.DISABLED)
    message = "Trading is currently disabled. Check polymarket.com for updates"
    assert refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))).message == message
    for cancel in (
        CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(resting.order_id,)),
        CancelAll(now_ms=2, owner=ALICE.owner),
        CancelMarketOrders(now_ms=2, owner=ALICE.owner, condition_id=CONDITION),
    ):
        assert refused(exchange.apply(cancel)).reject is Reject.TRADING_DISABLED
    order = exchange.order(resting.order_id)
    assert order is not None and order.status is OrderStatus.LIVE
    _switch(exchange, TradingMode.NORMAL)
    assert placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10"))).status is OrderStatus.LIVE


def test_post_only_mode_accepts_only_post_only_orders(exchange: Exchange) -> None:
    _switch(exchange, TradingMode.POST_ONLY)
    reject = refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10")))
    assert reject.message == "post-only mode: only post-only orders and cancels are allowed"
    assert placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.40", "10", post_only=True)))


def test_switching_mode_emits_one_event_and_a_repeat_switch_emits_none(exchange: Exchange) -> None:
    events = exchange.apply(SetTradingMode(now_ms=1, mode=TradingMode.CANCEL_ONLY)).events
    assert events == [TradingModeChanged(old_mode=TradingMode.NORMAL, new_mode=TradingMode.CANCEL_ONLY)]
    assert exchange.apply(SetTradingMode(now_ms=2, mode=TradingMode.CANCEL_ONLY)).events == []
    assert exchange.mode is TradingMode.CANCEL_ONLY


def test_transition_tables_allow_every_mode_change_and_no_exit_from_final_order_states() -> None:
    assert all(MODE_TRANSITIONS[m] == set(TradingMode) - {m} for m in TradingMode)
    assert ORDER_TRANSITIONS[OrderStatus.MATCHED] == frozenset()
    assert can_transition(OrderStatus.LIVE, OrderStatus.CANCELED)
    assert not can_transition(OrderStatus.CANCELED, OrderStatus.LIVE)
    assert not can_transition(OrderStatus.MATCHED, OrderStatus.CANCELED)


def test_an_illegal_cancel_of_a_matched_order_leaves_it_and_the_balances_unchanged(exchange: Exchange) -> None:
    from tests.unit.core.conftest import BOB

    maker = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "10")))
    placed(exchange.apply(limit_order(BOB, YES, Side.SELL, "0.50", "10")))
    before = exchange.state_hash()
    result = exchange.apply(CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(maker.order_id,))).result
    assert getattr(result, "not_canceled", None) == {maker.order_id: "already canceled or matched"}
    assert exchange.state_hash() == before
    assert exchange.balance(ALICE.address, YES) == (110 * UNIT, 0)
