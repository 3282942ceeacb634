"""simulation/strategies.py: what makers, takers and informed traders decide, as pure functions."""

from __future__ import annotations

import random

from openclob.core import UNIT, OrderType, Side
from openclob.simulation import strategies
from openclob.simulation.strategies import Quote, Take, Terms

CENT = Terms(tick_units=10_000, min_size_units=5 * UNIT)
MILL = Terms(tick_units=1_000, min_size_units=5 * UNIT)
LIMIT = 500 * UNIT


def _prices(quotes: list[Quote], side: Side) -> list[int]:
    return [q.price_units for q in quotes if q.side is side]


def test_a_flat_maker_quotes_levels_on_both_sides_around_the_fair_value() -> None:
    quotes = strategies.maker_quotes(550_000, 0, 0, LIMIT, CENT, spread_ticks=1, levels=3)
    assert _prices(quotes, Side.BUY) == [540_000, 530_000, 520_000]
    assert _prices(quotes, Side.SELL) == [560_000, 570_000, 580_000]
    assert [q.size_units for q in quotes if q.side is Side.BUY] == [5 * UNIT, 10 * UNIT, 15 * UNIT]


def test_a_long_maker_quotes_lower_and_a_short_one_higher() -> None:
    flat = strategies.maker_quotes(550_000, 0, 0, LIMIT, CENT, 1, 1)
    long = strategies.maker_quotes(550_000, 0, LIMIT, LIMIT, CENT, 1, 1)
    short = strategies.maker_quotes(550_000, 0, -2 * LIMIT, LIMIT, CENT, 1, 1)  # capped at the limit
    assert _prices(long, Side.BUY) == [510_000] and _prices(long, Side.SELL) == [530_000]
    assert _prices(short, Side.BUY) == [570_000] and _prices(short, Side.SELL) == [590_000]
    assert _prices(flat, Side.BUY) == [540_000]


def test_quotes_follow_the_fair_value_and_the_maker_bias() -> None:
    moved = strategies.maker_quotes(600_000, 0, 0, LIMIT, CENT, 2, 1)
    biased = strategies.maker_quotes(600_000, -10_000, 0, LIMIT, CENT, 2, 1)
    assert moved == [Quote(Side.BUY, 580_000, 5 * UNIT), Quote(Side.SELL, 620_000, 5 * UNIT)]
    assert biased == [Quote(Side.BUY, 570_000, 5 * UNIT), Quote(Side.SELL, 610_000, 5 * UNIT)]


def test_quotes_off_the_book_are_dropped_and_never_cross() -> None:
    quotes = strategies.maker_quotes(15_000, 0, 0, LIMIT, CENT, 1, 3)
    assert _prices(quotes, Side.BUY) == [] or min(_prices(quotes, Side.BUY)) >= 10_000
    assert all(10_000 <= q.price_units <= 990_000 for q in quotes)
    for fair in range(10_000, 1_000_000, 7_919):
        quotes = strategies.maker_quotes(fair, 0, 0, LIMIT, MILL, 1, 2)
        bids, asks = _prices(quotes, Side.BUY), _prices(quotes, Side.SELL)
        assert not bids or not asks or max(bids) < min(asks)
        assert all(q.price_units % 1_000 == 0 for q in quotes)


def test_a_taker_takes_the_best_opposite_price_with_some_slippage() -> None:
    takes = [strategies.taker_order(random.Random(seed), 540_000, 560_000, CENT) for seed in range(200)]
    assert all(t is not None for t in takes)
    seen = {(t.token_index, t.side, t.order_type) for t in takes if t is not None}
    assert len(seen) == 8  # both tokens, both sides, FOK and FAK
    for t in takes:
        assert t is not None
        best = {(0, Side.BUY): 560_000, (0, Side.SELL): 540_000, (1, Side.BUY): 460_000, (1, Side.SELL): 440_000}
        slip = 20_000 if t.side is Side.BUY else -20_000
        assert t.price_units == best[(t.token_index, t.side)] + slip
        assert t.size_units in (5 * UNIT, 10 * UNIT, 15 * UNIT)


def test_a_taker_sends_nothing_into_an_empty_side_and_the_same_generator_decides_the_same() -> None:
    assert all(strategies.taker_order(random.Random(s), None, None, CENT) is None for s in range(20))
    assert strategies.taker_order(random.Random(8), 540_000, 560_000, CENT) == strategies.taker_order(
        random.Random(8), 540_000, 560_000, CENT
    )


def test_a_buy_on_a_fine_tick_keeps_its_collateral_at_two_decimals() -> None:
    for seed in range(50):
        take = strategies.taker_order(random.Random(seed), 544_000, 561_000, MILL)
        assert take is not None
        assert take.size_units % (10 * UNIT) == 0
        assert (take.price_units * take.size_units // UNIT) % 10_000 == 0


def test_an_informed_trader_trades_only_when_the_book_strays_past_its_threshold() -> None:
    fair, threshold = 600_000, 30_000
    assert strategies.informed_order(fair, 590_000, 610_000, threshold, 20 * UNIT, CENT) is None
    assert strategies.informed_order(fair, 540_000, 570_000, threshold, 20 * UNIT, CENT) is None  # exactly at it
    assert strategies.informed_order(fair, 540_000, 560_000, threshold, 20 * UNIT, CENT) == Take(
        0, Side.BUY, OrderType.FAK, 570_000, 20 * UNIT
    )
    assert strategies.informed_order(fair, 640_000, 660_000, threshold, 20 * UNIT, CENT) == Take(
        0, Side.SELL, OrderType.FAK, 630_000, 20 * UNIT
    )
    assert strategies.informed_order(fair, None, None, threshold, 20 * UNIT, CENT) is None
