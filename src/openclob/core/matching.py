"""Find what an incoming order matches, without changing anything.

The taker walks the opposite side of the one book from the best price while prices cross its limit,
oldest order first within a level. Each fill is at the resting (maker) order's price; the taker keeps
the surplus. A taker never trades with a resting order of its own maker address: such orders are
skipped, stay on the book, and count as no liquidity. A BUY taker also stops when its reserved
collateral cannot pay for another lot at the next price (only market BUYs, whose shares were
rounded, can reach that).

Planning first and applying after lets FOK and post-only orders be refused with nothing changed.
"""

from __future__ import annotations

import msgspec

from openclob.core.amounts import UNIT, collateral_for, floor_to_lot
from openclob.core.book import Book
from openclob.core.orders import ASK, BID, BUY, Order, Side

PlannedFill = tuple[Order, int, int]
"""One maker order, the shares it gives the taker, and its level's price (first-token terms).

A plain tuple, not a Struct: the exchange unpacks one per fill, and a tuple is built and unpacked for
a fraction of a Struct's cost."""


class MatchPlan(msgspec.Struct, frozen=True, gc=False):
    """Everything a taker would match, and whether it passed over its own resting orders."""

    fills: list[PlannedFill]
    filled_units: int
    skipped_own: bool


def plan_match(book: Book, taker: Order, budget_units: int) -> MatchPlan:
    """Plan the fills of `taker` against `book`; `budget_units` bounds a BUY's collateral."""
    # One flat loop over the opposite side's sorted prices (no generator, no helper calls per maker):
    # this runs for every crossing order.
    fills: list[PlannedFill] = []
    wanted = remaining = taker.size_units - taker.matched_units
    skipped_own = False
    is_buy = taker.side is BUY
    taker_is_bid = taker.book_side is BID
    limit = taker.book_price_units
    first_token = taker.token_index == 0
    taker_address = taker.maker
    levels, prices = book.side(ASK if taker_is_bid else BID)
    for price in prices if taker_is_bid else reversed(prices):
        if price > limit if taker_is_bid else price < limit:
            break
        own_price = price if first_token else UNIT - price
        for maker in levels[price].orders.values():
            if maker.maker == taker_address:
                skipped_own = True
                continue
            fill = maker.size_units - maker.matched_units
            if remaining < fill:
                fill = remaining
            if is_buy:
                fill = min(fill, floor_to_lot(budget_units * UNIT // own_price))
                if fill == 0:
                    return MatchPlan(fills, wanted - remaining, skipped_own)
                budget_units -= collateral_for(fill, own_price)
            fills.append((maker, fill, price))
            remaining -= fill
            if remaining == 0:
                return MatchPlan(fills, wanted, skipped_own)
    return MatchPlan(fills, wanted - remaining, skipped_own)


def fee_units(side: Side, fee_rate_bps: int, price_units: int, fill_units: int) -> int:
    """V1 fee on one fill, rounded down as the CTF exchange does.

    BUY pays in tokens, r * min(p, 1-p) * shares / p; SELL pays in collateral, r * min(p, 1-p) * shares.
    """
    if fee_rate_bps == 0:
        return 0
    symmetric = min(price_units, UNIT - price_units)
    if side is BUY:
        return fee_rate_bps * symmetric * fill_units // (10_000 * price_units)
    return fee_rate_bps * symmetric * fill_units // (10_000 * UNIT)


def v2_fee_weight(price_units: int, fill_units: int, exponent: int) -> int:
    """One fill's share of a V2 taker fee, before the rate: shares * (p * (1 - p)) ** e, in units ** (1 + 2e).

    A taker's fee is the sum of its fills' weights priced once (`v2_fee_units`), so it is rounded once.
    """
    weight: int = fill_units * pow(price_units * (UNIT - price_units), exponent)
    return weight


def v2_fee_units(weight: int, fee_rate_bps: int, exponent: int) -> int:
    """V2 taker fee, in collateral: weight * r / UNIT ** 2e with r = bps / 10_000, rounded up (the exchange's way)."""
    if fee_rate_bps == 0 or weight == 0:
        return 0
    denominator: int = 10_000 * pow(UNIT, 2 * exponent)
    return -(-weight * fee_rate_bps // denominator)
