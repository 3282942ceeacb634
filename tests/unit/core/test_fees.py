"""V1 fees: r * min(p, 1-p), BUY in tokens and SELL in collateral, each order at its own fill price."""

from __future__ import annotations

from openclob.core import COLLATERAL, FEE_ACCOUNT, UNIT, Side, Trade
from openclob.core.matching import fee_units
from tests.unit.core.conftest import ALICE, BOB, YES, limit_order, new_exchange, placed


def test_fee_formula_is_symmetric_around_one_half() -> None:
    # 100 bps on 100 shares: BUY at 0.2 pays 0.01 * 0.2 * 100 / 0.2 = 1 token; SELL at 0.8 pays 0.01*0.2*100 = 0.2
    assert fee_units(Side.BUY, 100, 200_000, 100 * UNIT) == 1 * UNIT
    assert fee_units(Side.SELL, 100, 800_000, 100 * UNIT) == 200_000
    assert fee_units(Side.SELL, 100, 200_000, 100 * UNIT) == 200_000
    assert fee_units(Side.BUY, 0, 200_000, 100 * UNIT) == 0


def test_a_fee_market_charges_both_sides_and_the_fee_account_keeps_it() -> None:
    exchange = new_exchange(fee_rate_bps=100)
    placed(exchange.apply(limit_order(ALICE, YES, Side.SELL, "0.80", "100", fee_rate_bps=100)))
    applied = exchange.apply(limit_order(BOB, YES, Side.BUY, "0.80", "100", fee_rate_bps=100))
    result = placed(applied)
    trade = next(e for e in applied.events if isinstance(e, Trade))
    # BOB (taker BUY at 0.8): 0.01 * 0.2 * 100 / 0.8 = 0.25 YES; ALICE (maker SELL): 0.01 * 0.2 * 100 = 0.2
    assert (trade.fee_units, trade.maker_fills[0].fee_units) == (250_000, 200_000)
    assert result.taking_units == 100 * UNIT - 250_000
    assert exchange.balance(FEE_ACCOUNT, YES) == (250_000, 0)
    assert exchange.balance(FEE_ACCOUNT, COLLATERAL) == (200_000, 0)
    assert exchange.balance(ALICE.address, COLLATERAL) == (800 * UNIT + 80 * UNIT - 200_000, 0)
    assert exchange.problems() == []
