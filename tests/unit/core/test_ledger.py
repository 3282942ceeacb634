"""Deposits, withdrawals, split, merge and resolution, with conservation checked after each."""

from __future__ import annotations

from openclob.core import (
    COLLATERAL,
    UNIT,
    Deposit,
    Done,
    Exchange,
    Merge,
    OrderCanceled,
    Reject,
    ResolveMarket,
    Side,
    Split,
    Withdraw,
)
from tests.unit.core.conftest import ALICE, BOB, CONDITION, NO, YES, limit_order, placed, refused


def test_deposit_and_withdraw_move_free_collateral_and_refuse_more_than_is_free(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "100")))  # reserves 50
    assert exchange.apply(Deposit(now_ms=1, address=ALICE.address, amount=5 * UNIT)).result == Done()
    assert exchange.balance(ALICE.address, COLLATERAL) == (755 * UNIT, 50 * UNIT)
    reject = refused(exchange.apply(Withdraw(now_ms=1, address=ALICE.address, amount=756 * UNIT)))
    assert reject.reject is Reject.NOT_ENOUGH_BALANCE
    assert exchange.apply(Withdraw(now_ms=1, address=ALICE.address, amount=755 * UNIT)).result == Done()
    assert exchange.balance(ALICE.address, COLLATERAL) == (0, 50 * UNIT)
    assert refused(exchange.apply(Deposit(now_ms=1, address=ALICE.address, amount=0))).reject is Reject.INVALID_AMOUNT
    exchange.check_invariants()


def test_split_and_merge_convert_between_collateral_and_pairs(exchange: Exchange) -> None:
    exchange.apply(Split(now_ms=1, address=BOB.address, condition_id=CONDITION, amount=7 * UNIT))
    assert [sum(exchange.balance(BOB.address, a)) for a in (COLLATERAL, YES, NO)] == [
        793 * UNIT,
        107 * UNIT,
        107 * UNIT,
    ]
    exchange.apply(Merge(now_ms=1, address=BOB.address, condition_id=CONDITION, amount=107 * UNIT))
    assert [sum(exchange.balance(BOB.address, a)) for a in (COLLATERAL, YES, NO)] == [900 * UNIT, 0, 0]
    too_many = Merge(now_ms=1, address=BOB.address, condition_id=CONDITION, amount=1)
    assert refused(exchange.apply(too_many)).reject is Reject.NOT_ENOUGH_BALANCE
    too_much = Split(now_ms=1, address=BOB.address, condition_id=CONDITION, amount=901 * UNIT)
    assert refused(exchange.apply(too_much)).reject is Reject.NOT_ENOUGH_BALANCE
    exchange.check_invariants()


def test_merge_cannot_use_tokens_reserved_for_an_open_sell(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "100")))
    reject = refused(exchange.apply(Merge(now_ms=1, address=ALICE.address, condition_id=CONDITION, amount=1)))
    assert reject.reject is Reject.NOT_ENOUGH_BALANCE


def test_resolution_cancels_orders_pays_winners_and_zeroes_losers(exchange: Exchange) -> None:
    bid = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "10")))
    placed(exchange.apply(limit_order(BOB, NO, Side.SELL, "0.70", "10")))
    applied = exchange.apply(ResolveMarket(now_ms=5, condition_id=CONDITION, winning_token_id=YES))
    assert applied.result == Done()
    assert bid.order_id in {e.order_id for e in applied.events if isinstance(e, OrderCanceled)}
    # each held 100 YES and 100 NO and 800 free collateral
    assert exchange.balance(ALICE.address, COLLATERAL) == (900 * UNIT, 0)
    assert exchange.balance(BOB.address, NO) == (0, 0)
    assert exchange.open_orders(ALICE.owner) == [] and exchange.open_orders(BOB.owner) == []
    market_closed = refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.50", "10")))
    assert market_closed.reject is Reject.MARKET_NOT_READY
    again = refused(exchange.apply(ResolveMarket(now_ms=6, condition_id=CONDITION, winning_token_id=YES)))
    assert again.reject is Reject.MARKET_RESOLVED
    exchange.check_invariants()


def test_conservation_holds_through_a_mint_and_a_merge(exchange: Exchange) -> None:
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.55", "10")))
    placed(exchange.apply(limit_order(BOB, NO, Side.BUY, "0.45", "10")))  # MINT
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.35", "10")))
    placed(exchange.apply(limit_order(BOB, NO, Side.SELL, "0.65", "10")))  # MERGE
    assert exchange.problems() == []
