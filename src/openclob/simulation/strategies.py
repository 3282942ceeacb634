"""What each kind of simulated trader wants to do, as pure functions of what it sees.

Prices are integer 1e-6 units. `Quote` prices are in first-token terms (a maker quotes the first outcome's
book); `Take` prices are in the traded token's own terms, as an order carries them. Randomness comes only
from the `random.Random` a caller passes in, so the same generator state and the same inputs give the same
decision.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from openclob.core.amounts import LOT_UNITS, UNIT
from openclob.core.orders import FAK, FOK, OrderType, Side

BUY, SELL = Side.BUY, Side.SELL
SKEW_TICKS = 3
"""How far (in ticks) a maker at its inventory limit moves its quotes against its inventory."""
TAKER_SLIPPAGE_TICKS = 2
"""How far past the best opposite price a taker's worst price goes."""


class Terms(NamedTuple):
    """What a strategy needs of a market: its tick and minimum order size, in 1e-6 units."""

    tick_units: int
    min_size_units: int


class Quote(NamedTuple):
    """A resting order a maker wants: BUY (a bid) or SELL (an ask) of the first token."""

    side: Side
    price_units: int
    size_units: int


class Take(NamedTuple):
    """A marketable order: token 0 or 1, its side, FOK or FAK, its worst price in that token, its size."""

    token_index: int
    side: Side
    order_type: OrderType
    price_units: int
    size_units: int


def floor_tick(price_units: int, tick_units: int) -> int:
    """The price rounded down to the tick."""
    return price_units - price_units % tick_units


def ceil_tick(price_units: int, tick_units: int) -> int:
    """The price rounded up to the tick."""
    return -(-price_units // tick_units) * tick_units


def on_book(price_units: int, tick_units: int) -> bool:
    """Whether a price lies strictly inside (0, 1) with at least a tick to each end."""
    return tick_units <= price_units <= UNIT - tick_units


def market_size_step(tick_units: int) -> int:
    """The share step that keeps a marketable BUY's collateral (price x size) at 2 decimals."""
    step = UNIT
    for _ in range(len(str(UNIT // tick_units)) - 3):  # a tick of 3 decimals: 10 shares; of 4: 100
        step *= 10
    return step


def round_size(size_units: int, step_units: int) -> int:
    """A size rounded up to a multiple of `step_units`."""
    return -(-size_units // step_units) * step_units


def maker_quotes(
    fair_units: int,
    bias_units: int,
    inventory_units: int,
    inventory_limit_units: int,
    terms: Terms,
    spread_ticks: int,
    levels: int,
) -> list[Quote]:
    """A maker's quotes: `levels` bids and asks a tick apart, `spread_ticks` from its estimate of the fair
    value (fair plus its own bias), moved against its inventory (net first-token shares) by up to
    `SKEW_TICKS` ticks at `inventory_limit_units`. Deeper levels are larger; prices off the book are dropped."""
    tick = terms.tick_units
    ratio = max(-1.0, min(1.0, inventory_units / inventory_limit_units))
    center = fair_units + bias_units - round(ratio * SKEW_TICKS * tick)
    best_bid = floor_tick(center - spread_ticks * tick, tick)
    best_ask = ceil_tick(center + spread_ticks * tick, tick)
    if best_ask <= best_bid:
        best_ask = best_bid + tick
    base = round_size(terms.min_size_units, UNIT)
    quotes = []
    for level in range(levels):
        size = base * (1 + level)
        bid, ask = best_bid - level * tick, best_ask + level * tick
        if on_book(bid, tick):
            quotes.append(Quote(BUY, bid, size))
        if on_book(ask, tick):
            quotes.append(Quote(SELL, ask, size))
    return quotes


def opposite_price(best_bid: int | None, best_ask: int | None, token_index: int, side: Side) -> int | None:
    """The best price an order of `side` on token `token_index` could take, in that token's terms."""
    if token_index == 0:
        return best_ask if side is BUY else best_bid
    book_price = best_bid if side is BUY else best_ask  # BUY token 1 at q meets a first-token bid at 1 - q
    return None if book_price is None else UNIT - book_price


def taker_order(rng: random.Random, best_bid: int | None, best_ask: int | None, terms: Terms) -> Take | None:
    """A noise trader's marketable order: a random token, side, FOK or FAK and size, with a worst price a
    little past the best opposite price; None when that side of the book is empty."""
    token_index = rng.randrange(2)
    side = BUY if rng.random() < 0.5 else SELL
    order_type = FOK if rng.random() < 0.5 else FAK
    lots = rng.randint(1, 3)
    opposite = opposite_price(best_bid, best_ask, token_index, side)
    if opposite is None:
        return None
    tick = terms.tick_units
    slip = TAKER_SLIPPAGE_TICKS * tick
    worst = min(UNIT - tick, opposite + slip) if side is BUY else max(tick, opposite - slip)
    size = round_size(max(terms.min_size_units, LOT_UNITS) * lots, market_size_step(tick))
    return Take(token_index, side, order_type, worst, size)


def informed_order(
    fair_units: int, best_bid: int | None, best_ask: int | None, threshold_units: int, size_units: int, terms: Terms
) -> Take | None:
    """An informed trader's order: when the best ask lies more than `threshold_units` below the fair value, a FAK
    BUY of the first token up to that distance; when the best bid lies that far above it, a FAK SELL; else None."""
    tick = terms.tick_units
    size = round_size(size_units, market_size_step(tick))
    if best_ask is not None and best_ask < fair_units - threshold_units:
        worst = floor_tick(fair_units - threshold_units, tick)
        return Take(0, BUY, FAK, worst, size) if on_book(worst, tick) else None
    if best_bid is not None and best_bid > fair_units + threshold_units:
        worst = ceil_tick(fair_units + threshold_units, tick)
        return Take(0, SELL, FAK, worst, size) if on_book(worst, tick) else None
    return None
