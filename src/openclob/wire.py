"""Conversion from the core's integers to the wire's shapes: decimal strings, books, orders, trades.

The one place where 1e-6 units become Polymarket's decimal strings. Prices and sizes are strings
without trailing zeros ("0.5", "12"); timestamps follow the reference: book and WebSocket timestamps are
millisecond strings, `created_at` is integer seconds, trade times are second strings.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from openclob.core import UNIT, BookSide, Exchange
from openclob.core.amounts import format_ratio, format_units
from openclob.core.markets import Market
from openclob.store.records import MakerLegRecord, OrderRecord, TradeRecord

decimal = format_units


def tick_number(tick_units: int) -> float:
    """A tick as the JSON number the clients key their rounding table with (0.01, not "0.010")."""
    return float(format_units(tick_units))


def token_levels(
    exchange: Exchange, market: Market, token_id: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(bids, asks) of one token's own book, each best first, as (price, size) in that token's terms.

    The second token's book is the mirror of the first's: its bids are the first token's asks at 1 - p.
    """
    book = exchange.book(market.condition_id)
    bids, asks = book.depth(BookSide.BID), book.depth(BookSide.ASK)
    if market.token_index(token_id) == 0:
        return bids, asks
    return [(UNIT - p, s) for p, s in asks], [(UNIT - p, s) for p, s in bids]


def best_prices(exchange: Exchange, market: Market, token_id: str) -> tuple[int | None, int | None]:
    """(best bid, best ask) of one token, in its own terms."""
    book = exchange.book(market.condition_id)
    bid, ask = book.best_bid(), book.best_ask()
    if market.token_index(token_id) == 0:
        return bid, ask
    return (None if ask is None else UNIT - ask), (None if bid is None else UNIT - bid)


def last_trade_price(market: Market, token_id: str) -> int | None:
    """The last trade price in the token's own terms, if the market has traded."""
    last = market.last_trade_price_units
    if last is None:
        return None
    return last if market.token_index(token_id) == 0 else UNIT - last


def book_summary(exchange: Exchange, market: Market, token_id: str, now_ms: int) -> dict[str, Any]:
    """GET /book's OrderBookSummary: all ten keys, levels best-last, with the reference's hash."""
    bids, asks = token_levels(exchange, market, token_id)
    last = last_trade_price(market, token_id)
    summary: dict[str, Any] = {
        "market": market.condition_id,
        "asset_id": token_id,
        "timestamp": str(now_ms),
        "hash": "",
        "bids": [{"price": decimal(p), "size": decimal(s)} for p, s in reversed(bids)],
        "asks": [{"price": decimal(p), "size": decimal(s)} for p, s in reversed(asks)],
        "min_order_size": decimal(market.min_size_units),
        "tick_size": decimal(market.tick_units),
        "neg_risk": market.neg_risk,
        "last_trade_price": decimal(last) if last is not None else "0.5",
    }
    summary["hash"] = hashlib.sha1(msgspec.json.encode(summary), usedforsecurity=False).hexdigest()
    return summary


def outcome_of(market: Market, token_id: str) -> str:
    """The outcome name of a token."""
    return market.outcomes[market.token_index(token_id)]


def open_order(record: OrderRecord, market: Market) -> dict[str, Any]:
    """An OpenOrder as /data/order(s) return it."""
    return {
        "id": record.order_id,
        "status": record.status,
        "owner": record.owner,
        "maker_address": record.maker,
        "market": record.condition_id,
        "asset_id": record.token_id,
        "side": record.side,
        "original_size": decimal(record.size_units),
        "size_matched": decimal(record.matched_units),
        "price": decimal(record.price_units),
        "outcome": outcome_of(market, record.token_id),
        "expiration": str(record.expiration),
        "order_type": record.order_type,
        "associate_trades": list(record.trade_ids),
        "created_at": record.created_at_ms // 1000,
    }


def _maker_leg(leg: MakerLegRecord, market: Market, viewer: str) -> dict[str, Any]:
    return {
        "order_id": leg.order_id,
        "owner": leg.owner if leg.owner == viewer else "",
        "maker_address": leg.maker,
        "matched_amount": decimal(leg.matched_units),
        "price": decimal(leg.price_units),
        "fee_rate_bps": str(leg.fee_rate_bps),
        "asset_id": leg.token_id,
        "outcome": outcome_of(market, leg.token_id),
        "side": leg.side,
    }


def trade(record: TradeRecord, market: Market, viewer: str) -> dict[str, Any]:
    """A Trade as `viewer` (an API key) sees it: as its taker, or as one of its makers.

    A maker sees the taker's side of the trade but only its own maker legs, and never another user's key.
    `fee` (openclob's addition) is what the viewer paid: in collateral, except a V1 BUY's fee, which is in
    the tokens bought. A V2 taker's `fee_rate_bps` is the market's rate; a V2 maker's is 0.
    """
    is_taker = record.taker_owner == viewer
    legs = [leg for leg in record.maker_legs if is_taker or leg.owner == viewer]
    fee = record.fee_units if is_taker else sum(leg.fee_units for leg in legs)
    price = record.collateral_units * UNIT // record.size_units if record.size_units else 0
    own = legs[0] if not is_taker and legs else None
    return {
        "id": record.trade_id,
        "taker_order_id": record.taker_order_id,
        "market": record.condition_id,
        "asset_id": record.token_id,
        "side": record.side,
        "size": decimal(record.size_units),
        "fee_rate_bps": str(record.fee_rate_bps),
        "price": decimal(price),
        "status": record.status,
        "match_time": str(record.matched_at_ms // 1000),
        "last_update": str(record.updated_at_ms // 1000),
        "outcome": outcome_of(market, record.token_id),
        "bucket_index": 0,
        "owner": viewer,
        "maker_address": record.taker_maker if is_taker else (own.maker if own else ""),
        "maker_orders": [_maker_leg(leg, market, viewer) for leg in legs],
        "transaction_hash": record.transaction_hash,
        "trader_side": "TAKER" if is_taker else "MAKER",
        "fee": decimal(fee),
    }


def number(units: int) -> int | float:
    """An amount as the JSON number Market objects carry: 5 shares -> 5, a 0.01 tick -> 0.01."""
    return units // UNIT if units % UNIT == 0 else float(format_units(units))


def midpoint(bid_units: int, ask_units: int) -> str:
    """The midpoint of a bid and an ask as a decimal string, exact ("0.515")."""
    return format_ratio(bid_units + ask_units, 2 * UNIT)
