"""Check a signed order against a market and derive its price, size and reservation.

The price is derived from the amounts (there is no price field). A limit order (GTC/GTD) must have an
exact price on the market's current tick. A market order (FOK/FAK) is built by the clients from a
collateral amount, so its price is rarely exact: its amounts give the worst price it accepts, rounded
in the order's favour to a whole unit (BUY: down, SELL: up).

Checks run in the order documented in `rejects`; this module covers fee rate through minimum size.
"""

from __future__ import annotations

import msgspec

from openclob.core.amounts import (
    LOT_UNITS,
    UNIT,
    floor_to_lot,
    format_ratio,
    format_units,
    tick_decimals,
)
from openclob.core.commands import PlaceOrder
from openclob.core.markets import Market
from openclob.core.orders import OrderType, Side
from openclob.core.rejects import Reject, Rejected, rejected

EXPIRATION_THRESHOLD_SECONDS = 60
"""Polymarket's security threshold: an order with expiration E is live until E - 60 s."""

MARKET_ORDER_SHARE_DECIMALS = 4
MARKET_ORDER_COLLATERAL_DECIMALS = 2
SHARE_DECIMALS = 2


class PricedOrder(msgspec.Struct, frozen=True, gc=False):
    """What validation derived from an order's amounts."""

    price_units: int
    """The limit price in the order's own token (exact for limit orders, the worst price for market ones)."""
    size_units: int
    """Shares the order may trade, in whole lots."""
    reserve_units: int
    """What accepting it reserves: collateral for a BUY, shares for a SELL."""
    expires_at_ms: int | None
    is_market_order: bool
    """FOK or FAK: it never rests."""


def price_order(cmd: PlaceOrder, market: Market) -> PricedOrder | Rejected:
    """Validate `cmd` against `market` (fee rate to minimum size) and derive its price and size."""
    if cmd.fee_rate_bps is not None and cmd.fee_rate_bps != market.fee_rate_bps:
        return rejected(Reject.FEE_RATE_MISMATCH, fee_rate_bps=cmd.fee_rate_bps, market_fee=market.fee_rate_bps)
    order_type = cmd.order_type
    is_market_order = order_type is OrderType.FOK or order_type is OrderType.FAK
    if cmd.post_only and is_market_order:
        return rejected(Reject.POST_ONLY_TYPE)
    expires_at_ms = None
    if cmd.expiration:
        expires_at_ms = (cmd.expiration - EXPIRATION_THRESHOLD_SECONDS) * 1000
        if expires_at_ms <= cmd.now_ms:  # it would be dead on arrival
            return rejected(Reject.INVALID_EXPIRATION)
    elif order_type is OrderType.GTD:
        return rejected(Reject.INVALID_EXPIRATION)
    maker_amount, taker_amount = cmd.maker_amount, cmd.taker_amount
    if maker_amount <= 0 or taker_amount <= 0:
        return rejected(Reject.INVALID_AMOUNTS)
    tick = market.tick_units
    precision = _check_precision(cmd.side, is_market_order, maker_amount, taker_amount, tick)
    if precision is not None:
        return precision
    if cmd.side is Side.BUY:
        collateral, shares = maker_amount, taker_amount
    else:
        shares, collateral = maker_amount, taker_amount
    if is_market_order:
        if cmd.side is Side.BUY:
            price = collateral * UNIT // shares
            size = floor_to_lot(shares)
        else:
            price = -(-collateral * UNIT // shares)
            size = shares
        if not tick <= price <= UNIT - tick:
            return _bad_price(cmd, format_ratio(collateral, shares), tick)
        if size <= 0:
            return _too_small(cmd, size, LOT_UNITS)
    else:
        price, remainder = divmod(collateral * UNIT, shares)
        if remainder or price % tick or not tick <= price <= UNIT - tick:
            return _bad_price(cmd, format_ratio(collateral, shares), tick)
        size = shares
        if size < market.min_size_units:
            return _too_small(cmd, size, market.min_size_units)
    return PricedOrder(price, size, maker_amount, expires_at_ms, is_market_order)


# What an amount must be a multiple of, in 1e-6 units, to have at most N decimals.
_SHARE_STEP = 10 ** (6 - SHARE_DECIMALS)
_MARKET_SHARE_STEP = 10 ** (6 - MARKET_ORDER_SHARE_DECIMALS)
_MARKET_COLLATERAL_STEP = 10 ** (6 - MARKET_ORDER_COLLATERAL_DECIMALS)


def _collateral_decimals(tick_units: int) -> int:
    return tick_decimals(tick_units) + 2


def _check_precision(
    side: Side, is_market_order: bool, maker_amount: int, taker_amount: int, tick_units: int
) -> Rejected | None:
    collateral_decimals = _collateral_decimals(tick_units)
    collateral_step = 10 ** (6 - collateral_decimals)
    if is_market_order:
        if side is Side.BUY:
            if maker_amount % _MARKET_COLLATERAL_STEP or taker_amount % _MARKET_SHARE_STEP:
                return rejected(Reject.MARKET_BUY_AMOUNTS_PRECISION)
            return None
        limit = max(MARKET_ORDER_SHARE_DECIMALS, collateral_decimals)
        if maker_amount % _SHARE_STEP or taker_amount % 10 ** (6 - limit):
            return rejected(Reject.MARKET_SELL_AMOUNTS_PRECISION, taker_decimals=limit)
        return None
    if side is Side.BUY:
        if maker_amount % collateral_step or taker_amount % _SHARE_STEP:
            return rejected(Reject.BUY_AMOUNTS_PRECISION, maker_decimals=collateral_decimals)
        return None
    if maker_amount % _SHARE_STEP or taker_amount % collateral_step:
        return rejected(Reject.SELL_AMOUNTS_PRECISION, taker_decimals=collateral_decimals)
    return None


def _bad_price(cmd: PlaceOrder, price: str, tick_units: int) -> Rejected:
    return rejected(Reject.PRICE_NOT_ON_TICK, order_id=cmd.order_id, price=price, tick=format_units(tick_units))


def _too_small(cmd: PlaceOrder, size_units: int, minimum_units: int) -> Rejected:
    return rejected(
        Reject.SIZE_BELOW_MINIMUM,
        order_id=cmd.order_id,
        size=format_units(size_units),
        minimum=format_units(minimum_units),
    )
