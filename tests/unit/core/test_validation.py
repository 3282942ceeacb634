"""Order checks: each rule, its exact message, and the order in which the rules apply."""

from __future__ import annotations

import pytest

from openclob.core import UNIT, CreateMarket, Exchange, OrderType, Reject, Side, UpdateMarket
from openclob.core.bounds import MAX_EXPIRATION_SECONDS, MAX_TIME_MS, MAX_UNITS
from tests.unit.core.conftest import ALICE, CONDITION, NO, YES, limit_order, new_exchange, placed, raw_order, refused

NOW_S = 1_000


def test_worked_example_buy_15_at_0_24_is_accepted_at_that_price(exchange: Exchange) -> None:
    # reference 4.3: BUY 15 @ 0.24 -> makerAmount 3600000, takerAmount 15000000
    result = placed(exchange.apply(raw_order(ALICE, YES, Side.BUY, 3_600_000, 15_000_000)))
    order = exchange.order(result.order_id)
    assert order is not None
    assert (order.price_units, order.size_units, order.reserved_units) == (240_000, 15_000_000, 3_600_000)


def test_worked_example_buy_12_82_at_0_78_is_accepted(exchange: Exchange) -> None:
    result = placed(exchange.apply(raw_order(ALICE, YES, Side.BUY, 9_999_600, 12_820_000)))
    order = exchange.order(result.order_id)
    assert order is not None and order.price_units == 780_000


def test_price_off_the_tick_is_refused_with_the_price_written_from_the_amounts(exchange: Exchange) -> None:
    cmd = raw_order(ALICE, YES, Side.BUY, 5_550_000, 10_000_000)
    reject = refused(exchange.apply(cmd))
    assert reject.reject is Reject.PRICE_NOT_ON_TICK
    assert reject.message == f"order {cmd.order_id} is invalid. Price (0.555) breaks minimum tick size rule: 0.01"


def test_price_not_a_whole_unit_is_refused_with_a_long_decimal(exchange: Exchange) -> None:
    cmd = raw_order(ALICE, YES, Side.SELL, 10_000_000, 3_333_300, order_type=OrderType.GTC)
    reject = refused(exchange.apply(cmd))
    assert reject.message == f"order {cmd.order_id} is invalid. Price (0.33333) breaks minimum tick size rule: 0.01"


@pytest.mark.parametrize(("price", "ok"), [("0.01", True), ("0.99", True), ("0.001", False), ("0.995", False)])
def test_price_must_lie_between_one_tick_and_one_minus_a_tick(exchange: Exchange, price: str, ok: bool) -> None:
    result = exchange.apply(limit_order(ALICE, YES, Side.BUY, price, "10"))
    assert (result.result.__class__.__name__ == "OrderPlaced") is ok


def test_size_below_the_market_minimum_is_refused_with_the_exact_text(exchange: Exchange) -> None:
    cmd = limit_order(ALICE, YES, Side.BUY, "0.50", "4.99")
    reject = refused(exchange.apply(cmd))
    assert reject.message == f"order {cmd.order_id} is invalid. Size (4.99) lower than the minimum: 5"


def test_buy_with_too_many_collateral_decimals_gets_the_buy_precision_message(exchange: Exchange) -> None:
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, 5_500_010, 10_000_000)))
    assert reject.message == (
        "invalid amounts, the buy orders maker amount supports a max accuracy of 4 decimals, "
        "taker amount a max of 2 decimals"
    )


def test_sell_with_fractional_hundredths_of_a_share_gets_the_sell_precision_message(exchange: Exchange) -> None:
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.SELL, 10_001_000, 5_000_000)))
    assert reject.message == (
        "invalid amounts, the sell orders maker amount supports a max accuracy of 2 decimals, "
        "taker amount a max of 4 decimals"
    )


def test_precision_follows_the_tick_tick_0_001_allows_five_collateral_decimals() -> None:
    exchange = new_exchange(tick_units=1_000)
    # limit SELL 12.34 @ 0.613 (client-behaviour.md 6.2): taker 7.56442 has 5 decimals
    assert placed(exchange.apply(raw_order(ALICE, YES, Side.SELL, 12_340_000, 7_564_420)))


def test_market_buy_built_by_the_client_is_accepted_although_its_price_is_off_tick(exchange: Exchange) -> None:
    # $20 at 0.51 -> 20000000 / 39215600 (client-behaviour.md 6.2); nothing to match, so FAK is refused
    # for lack of liquidity, which is past every amount check
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, 20_000_000, 39_215_600, order_type=OrderType.FAK)))
    assert reject.reject is Reject.FAK_NO_MATCH


def test_market_buy_with_collateral_of_three_decimals_gets_the_market_precision_message(exchange: Exchange) -> None:
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, 20_001_000, 39_215_600, order_type=OrderType.FOK)))
    assert reject.message == (
        "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, "
        "taker amount a max of 4 decimals"
    )


def test_zero_amounts_are_refused(exchange: Exchange) -> None:
    assert refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, 0, 10_000_000))).reject is Reject.INVALID_AMOUNTS


def test_gtd_needs_an_expiration_at_least_a_minute_ahead(exchange: Exchange) -> None:
    now_ms = NOW_S * 1000
    for expiration in (0, NOW_S, NOW_S + 59, NOW_S + 60):  # at now + 60 it would be dead on arrival
        cmd = limit_order(
            ALICE, YES, Side.BUY, "0.5", "10", now_ms=now_ms, order_type=OrderType.GTD, expiration=expiration
        )
        assert refused(exchange.apply(cmd)).message == "invalid expiration"
    cmd = limit_order(ALICE, YES, Side.BUY, "0.5", "10", now_ms=now_ms, order_type=OrderType.GTD, expiration=NOW_S + 61)
    assert placed(exchange.apply(cmd))


def test_post_only_is_only_for_gtc_and_gtd(exchange: Exchange) -> None:
    cmd = limit_order(ALICE, YES, Side.BUY, "0.5", "10", order_type=OrderType.FOK, post_only=True)
    assert refused(exchange.apply(cmd)).reject is Reject.POST_ONLY_TYPE


def test_fee_rate_must_equal_the_markets_and_v2_orders_without_one_carry_no_v1_rate() -> None:
    exchange = new_exchange(fee_rate_bps=100)
    reject = refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.5", "10", fee_rate_bps=0)))
    assert reject.message == "invalid fee rate (0), fee rate for the market must be 100"
    assert placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.5", "10", fee_rate_bps=100)))
    result = placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.5", "10", fee_rate_bps=None)))
    order = exchange.order(result.order_id)
    assert order is not None and order.fee_rate_bps == 0


def test_the_same_order_id_twice_is_a_duplicate_even_after_it_was_cancelled(exchange: Exchange) -> None:
    from openclob.core import CancelOrders

    cmd = limit_order(ALICE, YES, Side.BUY, "0.5", "10")
    placed(exchange.apply(cmd))
    assert refused(exchange.apply(cmd)).message == f"order {cmd.order_id} is invalid. Duplicated."
    exchange.apply(CancelOrders(now_ms=2, owner=ALICE.owner, order_ids=(cmd.order_id,)))
    assert refused(exchange.apply(cmd)).reject is Reject.DUPLICATED


def test_not_enough_balance_is_refused_and_reserves_nothing(exchange: Exchange) -> None:
    before = exchange.balance(ALICE.address, NO)
    reject = refused(exchange.apply(limit_order(ALICE, NO, Side.SELL, "0.5", "100.01")))
    assert reject.message == "not enough balance / allowance"
    assert exchange.balance(ALICE.address, NO) == before
    free, _ = exchange.balance(ALICE.address, "COLLATERAL")
    assert free == 800 * UNIT
    assert (
        refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.5", "1600.02"))).reject is Reject.NOT_ENOUGH_BALANCE
    )


def test_unknown_token_and_paused_market_are_not_ready(exchange: Exchange) -> None:
    message = "the market is not yet ready to process new orders"
    assert refused(exchange.apply(limit_order(ALICE, "999", Side.BUY, "0.5", "10"))).message == message
    exchange.apply(UpdateMarket(now_ms=1, condition_id=CONDITION, accepting_orders=False))
    assert refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.5", "10"))).message == message


def test_checks_run_in_the_documented_order_market_before_amounts_before_balance(exchange: Exchange) -> None:
    # off tick, below minimum and unfunded at once: the tick rule is reported
    cmd = limit_order(ALICE, YES, Side.BUY, "0.555", "4000")
    assert refused(exchange.apply(cmd)).reject is Reject.PRICE_NOT_ON_TICK
    # below minimum and unfunded: the size rule is reported
    cmd = limit_order(ALICE, YES, Side.BUY, "0.55", "4")
    assert refused(exchange.apply(cmd)).reject is Reject.SIZE_BELOW_MINIMUM


def test_a_refused_order_changes_nothing(exchange: Exchange) -> None:
    before = exchange.state_hash()
    refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.555", "10")))
    refused(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.55", "100000")))
    assert exchange.state_hash() == before


def test_market_definitions_are_checked() -> None:
    exchange = Exchange()
    bad_tick = CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=("1", "2"), tick_units=5_000)
    assert refused(exchange.apply(bad_tick)).reject is Reject.INVALID_MARKET_DEFINITION
    same = CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=("1", "1"))
    assert refused(exchange.apply(same)).reject is Reject.INVALID_MARKET_DEFINITION
    exchange.apply(CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=("1", "2")))
    again = CreateMarket(now_ms=0, condition_id=CONDITION, token_ids=("3", "4"))
    assert refused(exchange.apply(again)).reject is Reject.MARKET_EXISTS


def test_a_minimum_order_size_past_the_bounds_is_refused_at_listing_and_at_update(exchange: Exchange) -> None:
    too_big = MAX_UNITS + 10_000  # whole lots, past what the stores hold
    listing = CreateMarket(now_ms=0, condition_id="0x" + "ab" * 32, token_ids=("7", "8"), min_size_units=too_big)
    assert refused(exchange.apply(listing)).reject is Reject.INVALID_MARKET_DEFINITION
    before = exchange.state_hash()
    update = UpdateMarket(now_ms=1, condition_id=CONDITION, min_size_units=too_big)
    assert refused(exchange.apply(update)).reject is Reject.INVALID_MARKET_DEFINITION
    assert exchange.state_hash() == before


def test_a_tick_size_polymarket_does_not_use_is_refused_in_exact_decimals(exchange: Exchange) -> None:
    for tick_units, written in ((5_000, "0.005"), (10, "0.00001")):
        result = refused(exchange.apply(UpdateMarket(now_ms=1, condition_id=CONDITION, tick_units=tick_units)))
        assert result.reject is Reject.INVALID_TICK_SIZE
        assert result.message == f"invalid tick size ({written}), must be one of 0.1, 0.01, 0.001, 0.0001"


def _at_half(side: Side, shares: int) -> tuple[int, int]:
    """(maker, taker) amounts of `shares` at 0.50."""
    return (shares // 2, shares) if side is Side.BUY else (shares, shares // 2)


@pytest.mark.parametrize("order_type", [OrderType.GTC, OrderType.FOK])
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_shares_past_max_units_are_refused_with_the_bound_and_change_nothing(
    exchange: Exchange, side: Side, order_type: OrderType
) -> None:
    before = exchange.state_hash()
    for lots in (MAX_UNITS // 20_000 * 2 + 2, 2**53, 2**70):  # even lots: at 0.50, whole cents of collateral
        maker, taker = _at_half(side, lots * 10_000)
        reject = refused(exchange.apply(raw_order(ALICE, YES, side, maker, taker, order_type=order_type)))
        assert reject.reject is Reject.AMOUNTS_TOO_LARGE
        assert reject.message == "invalid amounts, the maker and taker amounts must be at most 4611686018427.387904"
    assert exchange.state_hash() == before


def test_collateral_past_max_units_with_fewer_shares_is_a_price_above_one(exchange: Exchange) -> None:
    # a price on the book lies below 1, so the collateral is less than the shares: the bound on shares is enough
    collateral = (MAX_UNITS // 100 + 1) * 100
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, collateral, 10 * UNIT)))
    assert reject.reject is Reject.PRICE_NOT_ON_TICK


def test_the_largest_lot_within_max_units_passes_the_bound_and_meets_the_balance_rule(exchange: Exchange) -> None:
    maker, taker = _at_half(Side.BUY, MAX_UNITS // 20_000 * 20_000)
    assert refused(exchange.apply(raw_order(ALICE, YES, Side.BUY, maker, taker))).reject is Reject.NOT_ENOUGH_BALANCE
    # MAX_UNITS itself is not a whole number of lots: the precision rule refuses it first
    reject = refused(exchange.apply(raw_order(ALICE, YES, Side.SELL, MAX_UNITS, MAX_UNITS // 2)))
    assert reject.reject is Reject.SELL_AMOUNTS_PRECISION


@pytest.mark.parametrize("order_type", [OrderType.GTD, OrderType.GTC])
def test_an_expiration_past_what_the_stores_hold_is_an_invalid_expiration(
    exchange: Exchange, order_type: OrderType
) -> None:
    before = exchange.state_hash()
    for expiration in (MAX_EXPIRATION_SECONDS + 1, 2**62, 2**63, 2**256 - 1):
        cmd = limit_order(ALICE, YES, Side.BUY, "0.5", "10", order_type=order_type, expiration=expiration)
        assert refused(exchange.apply(cmd)).message == "invalid expiration"
    assert exchange.state_hash() == before


def test_the_latest_expiration_is_accepted_and_falls_due_within_max_time(exchange: Exchange) -> None:
    cmd = limit_order(ALICE, YES, Side.BUY, "0.5", "10", order_type=OrderType.GTD, expiration=MAX_EXPIRATION_SECONDS)
    placed(exchange.apply(cmd))
    assert exchange.counters()["expiries"] == [((MAX_EXPIRATION_SECONDS - 60) * 1000, 1, cmd.order_id)]
    assert (MAX_EXPIRATION_SECONDS - 60) * 1000 <= MAX_TIME_MS
