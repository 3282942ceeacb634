"""V2 fees: takers only, in collateral, shares * r * (p * (1 - p)) ** e at the fill price, rounded up once a trade.

A V2 order is a PlaceOrder without a fee rate (`fee_rate_bps=None`). On a fee market a V1 order still signs the
market's rate and pays by the V1 rule, as maker and as taker; a V2 maker pays nothing.
"""

from __future__ import annotations

from openclob.core import COLLATERAL, FEE_ACCOUNT, UNIT, Deposit, Exchange, Reject, Side, Trade
from openclob.core.matching import v2_fee_units, v2_fee_weight
from tests.unit.core.conftest import ALICE, BOB, CAROL, NO, YES, User, limit_order, new_exchange, placed, refused

RATE = 1000
"""r = 0.1"""
V2 = None
"""The fee rate of a V2 order: none."""


def _fee_market(**fields: object) -> Exchange:
    return new_exchange(fee_rate_bps=RATE, **fields)


def _trade(applied: object) -> Trade:
    return next(e for e in applied.events if isinstance(e, Trade))  # type: ignore[attr-defined]


def _collateral(exchange: Exchange, user: User) -> tuple[int, int]:
    return exchange.balance(user.address, COLLATERAL)


def test_formula_matches_the_on_chain_example_and_rounds_up() -> None:
    # SELL 5 shares at 0.31 with r = 0.05: 5 * 0.05 * 0.31 * 0.69 = 0.053475
    assert v2_fee_units(v2_fee_weight(310_000, 5 * UNIT, 1), 500, 1) == 53_475
    # 0.01 share at 0.33, r = 0.1: 0.01 * 0.1 * 0.2211 = 0.0002211 -> 222 units (221.1 rounded up)
    assert v2_fee_units(v2_fee_weight(330_000, 10_000, 1), RATE, 1) == 222
    # e = 2: 10 * 0.1 * 0.0625 = 0.0625
    assert v2_fee_units(v2_fee_weight(500_000, 10 * UNIT, 2), RATE, 2) == 62_500
    assert v2_fee_units(v2_fee_weight(500_000, 10 * UNIT, 1), 0, 1) == 0


def test_v2_taker_buy_pays_the_fee_on_top_and_a_v1_maker_pays_by_the_v1_rule() -> None:
    exchange = _fee_market()
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "10", fee_rate_bps=RATE)))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.60", "10", fee_rate_bps=V2))
    result, trade = placed(applied), _trade(applied)
    # BOB: 10 * 0.1 * 0.6 * 0.4 = 0.24 on top of 6; ALICE (V1 maker SELL): 0.1 * min(0.6, 0.4) * 10 = 0.4
    assert (trade.fee_units, trade.fee_rate_bps, trade.maker_fills[0].fee_units) == (240_000, RATE, 400_000)
    assert (result.making_units, result.taking_units) == (6_240_000, 10 * UNIT)
    assert _collateral(exchange, BOB) == (800 * UNIT - 6_240_000, 0)
    assert exchange.balance(BOB.address, YES) == (110 * UNIT, 0)
    assert _collateral(exchange, ALICE) == (806 * UNIT - 400_000, 0)
    assert exchange.balance(FEE_ACCOUNT, COLLATERAL) == (640_000, 0)
    assert exchange.problems() == []


def test_v2_taker_sell_pays_from_its_proceeds_and_a_v2_maker_pays_nothing() -> None:
    exchange = _fee_market()
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.30", "10", fee_rate_bps=V2)))
    assert _collateral(exchange, ALICE) == (797 * UNIT, 3 * UNIT)  # a resting V2 BUY reserves no fee
    applied = exchange.apply(limit_order(BOB, YES, Side.SELL, "0.30", "10", fee_rate_bps=V2))
    result, trade = placed(applied), _trade(applied)
    assert (trade.fee_units, trade.maker_fills[0].fee_units, trade.maker_fills[0].fee_rate_bps) == (210_000, 0, 0)
    assert (result.making_units, result.taking_units) == (10 * UNIT, 2_790_000)
    assert _collateral(exchange, BOB) == (802_790_000, 0)
    assert _collateral(exchange, ALICE) == (797 * UNIT, 0)
    assert exchange.balance(ALICE.address, YES) == (110 * UNIT, 0)
    assert exchange.balance(FEE_ACCOUNT, COLLATERAL) == (210_000, 0)
    assert exchange.problems() == []


def test_v1_taker_against_a_v2_maker_pays_the_v1_fee_only() -> None:
    exchange = _fee_market()
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "10", fee_rate_bps=V2)))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.60", "10", fee_rate_bps=RATE))
    trade = _trade(applied)
    # BOB (V1 BUY): 0.1 * 0.4 * 10 / 0.6 = 0.666666 YES; ALICE (V2 maker): nothing
    assert (trade.fee_units, trade.maker_fills[0].fee_units) == (666_666, 0)
    assert _collateral(exchange, ALICE) == (806 * UNIT, 0)
    assert exchange.balance(FEE_ACCOUNT, YES) == (666_666, 0)
    assert exchange.problems() == []


def test_mint_and_merge_charge_the_v2_taker_at_its_own_token_price() -> None:
    exchange = _fee_market()
    # MINT: ALICE (V2) bids 0.55 for YES; BOB (V2) buys NO at 0.50 -> fills at 0.45 NO: 10 * 0.1 * 0.45 * 0.55
    placed(exchange.apply(limit_order(ALICE, YES, Side.BUY, "0.55", "10", fee_rate_bps=V2)))
    mint = exchange.apply(limit_order(BOB, NO, Side.BUY, "0.50", "10", fee_rate_bps=V2))
    assert (_trade(mint).kind, _trade(mint).fee_units) == ("MINT", 247_500)
    assert (placed(mint).making_units, placed(mint).taking_units) == (4_747_500, 10 * UNIT)
    assert _collateral(exchange, BOB) == (800 * UNIT - 4_747_500, 0)
    # MERGE: CAROL (V2) asks 0.40 for YES; BOB (V2) sells NO at 0.55 -> gets 0.60: fee 10 * 0.1 * 0.6 * 0.4
    placed(exchange.apply(limit_order(CAROL, YES, Side.SELL, "0.40", "10", fee_rate_bps=V2)))
    merge = exchange.apply(limit_order(BOB, NO, Side.SELL, "0.55", "10", fee_rate_bps=V2))
    assert (_trade(merge).kind, _trade(merge).fee_units) == ("MERGE", 240_000)
    assert (placed(merge).making_units, placed(merge).taking_units) == (10 * UNIT, 5_760_000)
    assert _collateral(exchange, BOB) == (800 * UNIT - 4_747_500 + 5_760_000, 0)
    assert _collateral(exchange, CAROL) == (804 * UNIT, 0)
    assert exchange.balance(FEE_ACCOUNT, COLLATERAL) == (487_500, 0)
    assert exchange.problems() == []


def test_a_crossing_v2_buy_reserves_the_fee_at_its_limit_and_releases_the_rest_when_it_rests() -> None:
    exchange = _fee_market()
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10", fee_rate_bps=V2)))
    result = placed(exchange.apply(limit_order(BOB, YES, Side.BUY, "0.60", "20", fee_rate_bps=V2)))
    # 10 filled at 0.50 plus 10 * 0.1 * 0.25; the other 10 rest at 0.60 and keep 6 reserved, no fee
    assert (result.making_units, result.taking_units) == (5_250_000, 10 * UNIT)
    assert _collateral(exchange, BOB) == (800 * UNIT - 5_250_000 - 6 * UNIT, 6 * UNIT)
    assert exchange.problems() == []


def test_a_v2_buy_that_cannot_pay_its_fee_is_refused_and_a_resting_one_needs_no_fee() -> None:
    exchange = _fee_market()
    dave = User("key-dave", "0x" + "d4" * 20)
    exchange.apply(Deposit(now_ms=0, address=dave.address, amount=6 * UNIT))
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.60", "10", fee_rate_bps=V2)))
    assert refused(exchange.apply(limit_order(dave, YES, Side.BUY, "0.60", "10", fee_rate_bps=V2))).reject is (
        Reject.NOT_ENOUGH_BALANCE
    )
    placed(exchange.apply(limit_order(dave, YES, Side.BUY, "0.60", "10", fee_rate_bps=RATE)))  # V1: fee in tokens
    exchange.apply(Deposit(now_ms=0, address=dave.address, amount=5 * UNIT))
    placed(exchange.apply(limit_order(dave, YES, Side.BUY, "0.50", "10", fee_rate_bps=V2)))  # rests: 5 is enough
    assert _collateral(exchange, dave) == (0, 5 * UNIT)
    assert exchange.problems() == []


def test_a_taker_sweeping_several_makers_pays_one_fee_rounded_once() -> None:
    exchange = _fee_market(min_size_units=10_000)
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.33", "0.01", fee_rate_bps=V2)))
    placed(exchange.apply(limit_order(CAROL, YES, Side.SELL, "0.33", "0.01", fee_rate_bps=V2)))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.33", "0.02", fee_rate_bps=V2))
    # 2 * 221.1 = 442.2 -> 443 (per fill it would be 2 * 222)
    assert (_trade(applied).fee_units, len(_trade(applied).maker_fills)) == (443, 2)
    assert placed(applied).making_units == 6_600 + 443
    assert exchange.problems() == []


def test_fee_exponent_is_a_market_setting() -> None:
    exchange = _fee_market(fee_exponent=2)
    assert exchange.markets[next(iter(exchange.markets))].fee_exponent == 2
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.50", "10", fee_rate_bps=V2)))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.50", "10", fee_rate_bps=V2))
    assert _trade(applied).fee_units == 62_500
    assert exchange.problems() == []


def test_a_fee_exponent_below_one_is_refused_so_a_sell_fee_never_exceeds_its_proceeds() -> None:
    from openclob.core import CreateMarket, Exchange, Reject
    from tests.unit.core.conftest import refused

    exchange = Exchange()
    command = CreateMarket(
        now_ms=0, condition_id="0x" + "f0" * 32, token_ids=("1", "2"), fee_rate_bps=1000, fee_exponent=0
    )
    assert refused(exchange.apply(command)).reject is Reject.INVALID_MARKET_DEFINITION
