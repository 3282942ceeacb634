"""Every reason the core refuses a command, with Polymarket's exact message.

Rejects are values, not exceptions. `Reject` names the rule that failed; `MESSAGES` holds the message
template, with the wire strings from the reference (section 6) where Polymarket has one. The edge maps a
reject to an HTTP status (api/errors.py); the core only says which rule failed and why.

Checks for an order run in this fixed order, so an order with several faults always gets the same answer:
trading mode, market, fee rate, post-only type, expiration, amounts (positive, precision, tick, price range,
then within `bounds.MAX_UNITS`), minimum size, duplicate, balance, and last the book (post-only cross, FOK,
FAK, crossing one's own orders).
"""

from __future__ import annotations

import enum
from typing import final

import msgspec


class Reject(enum.Enum):
    """A rule that a command broke. Values are stable: stores and clients may keep them."""

    # trading mode
    TRADING_DISABLED = "trading_disabled"
    TRADING_CANCEL_ONLY = "trading_cancel_only"
    POST_ONLY_MODE = "post_only_mode"
    # market
    MARKET_NOT_READY = "market_not_ready"
    MARKET_NOT_FOUND = "market_not_found"
    MARKET_EXISTS = "market_exists"
    MARKET_RESOLVED = "market_resolved"
    INVALID_TICK_SIZE = "invalid_tick_size"
    INVALID_MARKET_DEFINITION = "invalid_market_definition"
    MARKET_NOT_RESOLVED = "market_not_resolved"
    # events and neg-risk conversion
    EVENT_NOT_FOUND = "event_not_found"
    EVENT_EXISTS = "event_exists"
    INVALID_EVENT_DEFINITION = "invalid_event_definition"
    NOT_NEG_RISK = "not_neg_risk"
    INVALID_INDEX_SET = "invalid_index_set"
    EVENT_RESOLVED = "event_resolved"
    NEG_RISK_NEEDS_WINNER = "neg_risk_needs_winner"
    # order validation
    FEE_RATE_MISMATCH = "fee_rate_mismatch"
    POST_ONLY_TYPE = "post_only_type"
    INVALID_EXPIRATION = "invalid_expiration"
    INVALID_AMOUNTS = "invalid_amounts"
    AMOUNTS_TOO_LARGE = "amounts_too_large"
    BUY_AMOUNTS_PRECISION = "buy_amounts_precision"
    SELL_AMOUNTS_PRECISION = "sell_amounts_precision"
    MARKET_BUY_AMOUNTS_PRECISION = "market_buy_amounts_precision"
    MARKET_SELL_AMOUNTS_PRECISION = "market_sell_amounts_precision"
    PRICE_NOT_ON_TICK = "price_not_on_tick"
    SIZE_BELOW_MINIMUM = "size_below_minimum"
    DUPLICATED = "duplicated"
    # ledger
    NOT_ENOUGH_BALANCE = "not_enough_balance"
    INVALID_AMOUNT = "invalid_amount"
    SUPPLY_LIMIT = "supply_limit"
    # matching
    POST_ONLY_CROSSES = "post_only_crosses"
    FOK_NOT_FILLED = "fok_not_filled"
    FAK_NO_MATCH = "fak_no_match"
    CROSSES_OWN_ORDER = "crosses_own_order"
    # settings
    INVALID_SETTLEMENT = "invalid_settlement"


MESSAGES: dict[Reject, str] = {
    Reject.TRADING_DISABLED: "Trading is currently disabled. Check polymarket.com for updates",
    Reject.TRADING_CANCEL_ONLY: (
        "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."
    ),
    Reject.POST_ONLY_MODE: "post-only mode: only post-only orders and cancels are allowed",
    Reject.MARKET_NOT_READY: "the market is not yet ready to process new orders",
    Reject.MARKET_NOT_FOUND: "market not found",
    Reject.MARKET_EXISTS: "market {condition_id} already exists",
    Reject.MARKET_RESOLVED: "market {condition_id} is resolved",
    Reject.INVALID_TICK_SIZE: "invalid tick size ({tick}), must be one of 0.1, 0.01, 0.001, 0.0001",
    Reject.INVALID_MARKET_DEFINITION: "invalid market: {why}",
    Reject.MARKET_NOT_RESOLVED: "market {condition_id} is not resolved",
    Reject.EVENT_NOT_FOUND: "event not found",
    Reject.EVENT_EXISTS: "event {event_id} already exists",
    Reject.INVALID_EVENT_DEFINITION: "invalid event: {why}",
    Reject.NOT_NEG_RISK: "event {event_id} is not neg-risk: its positions do not convert",
    Reject.INVALID_INDEX_SET: "invalid index_set {index_set}: {why}",
    Reject.EVENT_RESOLVED: "event {event_id} has a resolved outcome: its positions no longer convert",
    Reject.NEG_RISK_NEEDS_WINNER: (
        "market {condition_id} is the last open outcome of neg-risk event {event_id}: it can only resolve YES"
    ),
    Reject.FEE_RATE_MISMATCH: "invalid fee rate ({fee_rate_bps}), fee rate for the market must be {market_fee}",
    Reject.POST_ONLY_TYPE: "invalid post-only order: post-only orders must be GTC or GTD",
    Reject.INVALID_EXPIRATION: "invalid expiration",
    Reject.INVALID_AMOUNTS: "invalid amounts, the maker and taker amounts must be greater than 0",
    Reject.AMOUNTS_TOO_LARGE: "invalid amounts, the maker and taker amounts must be at most {maximum}",
    Reject.BUY_AMOUNTS_PRECISION: (
        "invalid amounts, the buy orders maker amount supports a max accuracy of {maker_decimals} decimals, "
        "taker amount a max of 2 decimals"
    ),
    Reject.SELL_AMOUNTS_PRECISION: (
        "invalid amounts, the sell orders maker amount supports a max accuracy of 2 decimals, "
        "taker amount a max of {taker_decimals} decimals"
    ),
    Reject.MARKET_BUY_AMOUNTS_PRECISION: (
        "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, "
        "taker amount a max of 4 decimals"
    ),
    Reject.MARKET_SELL_AMOUNTS_PRECISION: (
        "invalid amounts, the market sell orders maker amount supports a max accuracy of 2 decimals, "
        "taker amount a max of {taker_decimals} decimals"
    ),
    Reject.PRICE_NOT_ON_TICK: "order {order_id} is invalid. Price ({price}) breaks minimum tick size rule: {tick}",
    Reject.SIZE_BELOW_MINIMUM: "order {order_id} is invalid. Size ({size}) lower than the minimum: {minimum}",
    Reject.DUPLICATED: "order {order_id} is invalid. Duplicated.",
    Reject.NOT_ENOUGH_BALANCE: "not enough balance / allowance",
    Reject.INVALID_AMOUNT: "invalid amount: {why}",
    Reject.SUPPLY_LIMIT: (
        "invalid amount: the collateral ever deposited would pass {maximum}, the most this exchange can hold"
    ),
    Reject.POST_ONLY_CROSSES: "invalid post-only order: order crosses book",
    Reject.FOK_NOT_FILLED: "order couldn't be fully filled. FOK orders are fully filled or killed.",
    Reject.FAK_NO_MATCH: (
        "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
    ),
    Reject.CROSSES_OWN_ORDER: "order {order_id} crosses the book",
    Reject.INVALID_SETTLEMENT: "invalid settlement: {why}",
}


@final
class Rejected(msgspec.Struct, frozen=True, gc=False, tag=True):
    """The result of a refused command: the rule that failed and the message for the client."""

    reject: Reject
    message: str


def rejected(reject: Reject, **details: object) -> Rejected:
    """Build a `Rejected` with the reject's message filled in from `details`."""
    return Rejected(reject, MESSAGES[reject].format(**details))
