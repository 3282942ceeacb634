"""Check a signed order against a market and derive its price, size and reservation.

The price is derived from the amounts (there is no price field). A limit order (GTC/GTD) must have an
exact price on the market's current tick. A market order (FOK/FAK) is built by the clients from a
collateral amount, so its price is rarely exact: its amounts give the worst price it accepts, rounded
in the order's favour to a whole unit (BUY: down, SELL: up).

Checks run in the order documented in `rejects`; this module covers fee rate through minimum size.
"""

from __future__ import annotations

from dataclasses import dataclass

from openclob.core.amounts import (
    LOT_UNITS,
    UNIT,
    decimals_of,
    floor_to_lot,
    format_ratio,
    format_units,
    tick_decimals,
)
from openclob.core.commands import PlaceOrder
from openclob.core.markets import Market, price_in_range
from openclob.core.orders import OrderType, Side
from openclob.core.rejects import Reject, Rejected, rejected

EXPIRATION_THRESHOLD_SECONDS = 60
"""Polymarket's security threshold: an order with expiration E is live until E - 60 s."""

MARKET_ORDER_SHARE_DECIMALS = 4
MARKET_ORDER_COLLATERAL_DECIMALS = 2
SHARE_DECIMALS = 2


@dataclass(frozen=True, slots=True)
class PricedOrder:
    """What validation derived from an order's amounts."""

    price_units: int
    """The limit price in the order's own token (exact for limit orders, the worst price for market ones)."""
    size_units: int
    """Shares the order may trade, in whole lots."""
    reserve_units: int
    """What accepting it reserves: collateral for a BUY, shares for a SELL."""
    expires_at_ms: int | None


def price_order(cmd: PlaceOrder, market: Market) -> PricedOrder | Rejected:
    """Validate `cmd` against `market` (fee rate to minimum size) and derive its price and size."""
    if cmd.fee_rate_bps is not None and cmd.fee_rate_bps != market.fee_rate_bps:
        return rejected(Reject.FEE_RATE_MISMATCH, fee_rate_bps=cmd.fee_rate_bps, market_fee=market.fee_rate_bps)
    if cmd.post_only and cmd.order_type.is_market:
        return rejected(Reject.POST_ONLY_TYPE)
    expires_at_ms = _expiry(cmd)
    if isinstance(expires_at_ms, Rejected):
        return expires_at_ms
    if cmd.maker_amount <= 0 or cmd.taker_amount <= 0:
        return rejected(Reject.INVALID_AMOUNTS)
    if cmd.side is Side.BUY:
        collateral, shares = cmd.maker_amount, cmd.taker_amount
    else:
        shares, collateral = cmd.maker_amount, cmd.taker_amount
    precision = _check_precision(cmd, market.tick_units)
    if precision is not None:
        return precision
    tick = market.tick_units
    if cmd.order_type.is_market:
        if cmd.side is Side.BUY:
            price = collateral * UNIT // shares
            size = floor_to_lot(shares)
        else:
            price = -(-collateral * UNIT // shares)
            size = shares
        if not price_in_range(price, tick):
            return _bad_price(cmd, format_ratio(collateral, shares), tick)
        if size <= 0:
            return _too_small(cmd, size, LOT_UNITS)
    else:
        price, remainder = divmod(collateral * UNIT, shares)
        if remainder or price % tick or not price_in_range(price, tick):
            return _bad_price(cmd, format_ratio(collateral, shares), tick)
        size = shares
        if size < market.min_size_units:
            return _too_small(cmd, size, market.min_size_units)
    return PricedOrder(price, size, cmd.maker_amount, expires_at_ms)


def _expiry(cmd: PlaceOrder) -> int | Rejected | None:
    # Any signed expiration is honoured; GTD must have one.
    if cmd.expiration == 0:
        return rejected(Reject.INVALID_EXPIRATION) if cmd.order_type is OrderType.GTD else None
    if cmd.expiration < cmd.now_ms // 1000 + EXPIRATION_THRESHOLD_SECONDS:
        return rejected(Reject.INVALID_EXPIRATION)
    return (cmd.expiration - EXPIRATION_THRESHOLD_SECONDS) * 1000


def _check_precision(cmd: PlaceOrder, tick_units: int) -> Rejected | None:
    maker_decimals = decimals_of(cmd.maker_amount)
    taker_decimals = decimals_of(cmd.taker_amount)
    collateral_limit = tick_decimals(tick_units) + 2
    if cmd.order_type.is_market:
        if cmd.side is Side.BUY:
            if maker_decimals > MARKET_ORDER_COLLATERAL_DECIMALS or taker_decimals > MARKET_ORDER_SHARE_DECIMALS:
                return rejected(Reject.MARKET_BUY_AMOUNTS_PRECISION)
            return None
        limit = max(MARKET_ORDER_SHARE_DECIMALS, collateral_limit)
        if maker_decimals > SHARE_DECIMALS or taker_decimals > limit:
            return rejected(Reject.MARKET_SELL_AMOUNTS_PRECISION, taker_decimals=limit)
        return None
    if cmd.side is Side.BUY:
        if maker_decimals > collateral_limit or taker_decimals > SHARE_DECIMALS:
            return rejected(Reject.BUY_AMOUNTS_PRECISION, maker_decimals=collateral_limit)
        return None
    if maker_decimals > SHARE_DECIMALS or taker_decimals > collateral_limit:
        return rejected(Reject.SELL_AMOUNTS_PRECISION, taker_decimals=collateral_limit)
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
