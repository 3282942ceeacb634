"""Check a signed order against a market and derive its price, size and reservation.

The price is derived from the amounts (there is no price field). A limit order (GTC/GTD) must have an
exact price on the market's current tick. A market order (FOK/FAK) is built by the clients from a
collateral amount, so its price is rarely exact: its amounts give the worst price it accepts, rounded
in the order's favour to a whole unit (BUY: down, SELL: up).

Checks run in the order documented in `rejects`; this module covers fee rate through minimum size.
"""

from __future__ import annotations

from openclob.core.amounts import (
    LOT_UNITS,
    TICK_UNITS,
    UNIT,
    floor_to_lot,
    format_ratio,
    format_units,
    tick_decimals,
)
from openclob.core.bounds import MAX_EXPIRATION_SECONDS, MAX_UNITS
from openclob.core.commands import PlaceOrder
from openclob.core.markets import Market
from openclob.core.orders import BUY, FAK, FOK, GTD
from openclob.core.rejects import Reject, Rejected, rejected

EXPIRATION_THRESHOLD_SECONDS = 60
"""Polymarket's security threshold: an order with expiration E is live until E - 60 s."""

MARKET_ORDER_SHARE_DECIMALS = 4
MARKET_ORDER_COLLATERAL_DECIMALS = 2
SHARE_DECIMALS = 2


PricedOrder = tuple[int, int, int, int | None, bool]
"""What validation derives from an order's amounts: (price_units, size_units, reserve_units, expires_at_ms,
is_market_order).

`price_units` is the limit price in the order's own token (exact for limit orders, the worst price for
market ones); `size_units` the shares it may trade, in whole lots; `reserve_units` what accepting it
reserves (collateral for a BUY, shares for a SELL); `is_market_order` is true for FOK and FAK, which never
rest. A plain tuple, not a Struct: every order gets one, and the exchange unpacks it once.
"""


def price_order(cmd: PlaceOrder, market: Market, min_size_units: int | None = None) -> PricedOrder | Rejected:
    """Validate `cmd` against `market` (fee rate to minimum size) and derive its price and size.

    `min_size_units` replaces the market's minimum (a replay's liquidity rests recorded levels below it)."""
    fee_rate_bps = cmd.fee_rate_bps
    if fee_rate_bps is not None and fee_rate_bps != market.fee_rate_bps:
        return rejected(Reject.FEE_RATE_MISMATCH, fee_rate_bps=fee_rate_bps, market_fee=market.fee_rate_bps)
    order_type = cmd.order_type
    is_market_order = order_type is FOK or order_type is FAK
    if cmd.post_only and is_market_order:
        return rejected(Reject.POST_ONLY_TYPE)
    expires_at_ms = None
    if cmd.expiration:
        expiration = cmd.expiration
        if expiration > MAX_EXPIRATION_SECONDS:  # past what the stores and snapshots hold (see bounds)
            return rejected(Reject.INVALID_EXPIRATION)
        expires_at_ms = (expiration - EXPIRATION_THRESHOLD_SECONDS) * 1000
        if expires_at_ms <= cmd.now_ms:  # it would be dead on arrival
            return rejected(Reject.INVALID_EXPIRATION)
    elif order_type is GTD:
        return rejected(Reject.INVALID_EXPIRATION)
    maker_amount, taker_amount = cmd.maker_amount, cmd.taker_amount
    if maker_amount <= 0 or taker_amount <= 0:
        return rejected(Reject.INVALID_AMOUNTS)
    if is_market_order:
        return _price_market_order(cmd, market, expires_at_ms)
    tick = market.tick_units
    is_buy = cmd.side is BUY
    if is_buy:
        collateral, shares = maker_amount, taker_amount
    else:
        shares, collateral = maker_amount, taker_amount
    if collateral % _COLLATERAL_STEP[tick] or shares % _SHARE_STEP:
        if is_buy:
            return rejected(Reject.BUY_AMOUNTS_PRECISION, maker_decimals=_collateral_decimals(tick))
        return rejected(Reject.SELL_AMOUNTS_PRECISION, taker_decimals=_collateral_decimals(tick))
    scaled = collateral * UNIT
    price = scaled // shares  # (no divmod: a builtin call and a tuple cost more than a multiplication)
    if price * shares != scaled or price % tick or not tick <= price <= UNIT - tick:
        return _bad_price(cmd, format_ratio(collateral, shares), tick)
    if shares > MAX_UNITS:  # (see _too_large)
        return _too_large()
    minimum_units = market.min_size_units if min_size_units is None else min_size_units
    if shares < minimum_units:
        return _too_small(cmd, shares, minimum_units)
    return price, shares, maker_amount, expires_at_ms, False


def _price_market_order(cmd: PlaceOrder, market: Market, expires_at_ms: int | None) -> PricedOrder | Rejected:
    """Check a FOK/FAK order's precision and derive its worst price, rounded in the order's favour."""
    maker_amount, taker_amount = cmd.maker_amount, cmd.taker_amount
    tick = market.tick_units
    if cmd.side is BUY:
        if maker_amount % _MARKET_COLLATERAL_STEP or taker_amount % _MARKET_SHARE_STEP:
            return rejected(Reject.MARKET_BUY_AMOUNTS_PRECISION)
        collateral, shares = maker_amount, taker_amount
        price = collateral * UNIT // shares
        size = floor_to_lot(shares)
    else:
        limit = max(MARKET_ORDER_SHARE_DECIMALS, _collateral_decimals(tick))
        if maker_amount % _SHARE_STEP or taker_amount % 10 ** (6 - limit):
            return rejected(Reject.MARKET_SELL_AMOUNTS_PRECISION, taker_decimals=limit)
        shares, collateral = maker_amount, taker_amount
        price = -(-collateral * UNIT // shares)
        size = shares
    if not tick <= price <= UNIT - tick:
        return _bad_price(cmd, format_ratio(collateral, shares), tick)
    if shares > MAX_UNITS:
        return _too_large()
    if size <= 0:
        return _too_small(cmd, size, LOT_UNITS)
    return price, size, maker_amount, expires_at_ms, True


# What an amount must be a multiple of, in 1e-6 units, to have at most N decimals.
_SHARE_STEP = 10 ** (6 - SHARE_DECIMALS)
_MARKET_SHARE_STEP = 10 ** (6 - MARKET_ORDER_SHARE_DECIMALS)
_MARKET_COLLATERAL_STEP = 10 ** (6 - MARKET_ORDER_COLLATERAL_DECIMALS)


def _collateral_decimals(tick_units: int) -> int:
    """A limit order's collateral may have two more decimals than the tick (0.01 -> 4 decimals)."""
    return tick_decimals(tick_units) + 2


_COLLATERAL_STEP = {tick: 10 ** (6 - _collateral_decimals(tick)) for tick in TICK_UNITS}
"""The collateral step of a limit order per tick size, computed once (every order needs it)."""


def _bad_price(cmd: PlaceOrder, price: str, tick_units: int) -> Rejected:
    return rejected(Reject.PRICE_NOT_ON_TICK, order_id=cmd.order_id, price=price, tick=format_units(tick_units))


def _too_large() -> Rejected:
    # The edge refuses amounts past MAX_UNITS; the core checks only the shares, once the price is known to lie
    # below 1: then the collateral is less than the shares, so both amounts are within the bound (one comparison
    # with a number of more than 30 bits costs a place about as much as the rest of the amount checks).
    return rejected(Reject.AMOUNTS_TOO_LARGE, maximum=format_units(MAX_UNITS))


def _too_small(cmd: PlaceOrder, size_units: int, minimum_units: int) -> Rejected:
    return rejected(
        Reject.SIZE_BELOW_MINIMUM,
        order_id=cmd.order_id,
        size=format_units(size_units),
        minimum=format_units(minimum_units),
    )
