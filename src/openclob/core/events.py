"""Events: what a command changed, for the store, the API responses and the WebSocket feeds.

The events every order and trade produces (accepted, filled, canceled, a trade and its maker fills, a book
level, a balance) also take their fields by position, in the order declared: the core builds them
positionally on its hot paths, where msgspec's keyword matching costs about twice the construction itself.
Everyone else should name the fields.

Events are emitted in the order things happened within a command; book and balance changes are
coalesced and come last, one per level or balance touched, with the new totals.

Each event in the `Event` union is tagged with its class name, so that a list of them can be encoded and
decoded (link/ carries durable batches, events included, from the sequencer to the edges).
"""

from __future__ import annotations

import msgspec

from openclob.core.amounts import UNIT
from openclob.core.modes import OrderStatus, TradeStatus, TradingMode
from openclob.core.orders import BookSide, CancelReason, OrderType, Side


class MarketListed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """A market was created."""

    condition_id: str
    token_ids: tuple[str, str]


class MarketUpdated(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """A market's settings changed."""

    condition_id: str


class MarketResolved(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """A market was resolved in favour of `winning_token_id`."""

    condition_id: str
    winning_token_id: str


class MarketClosed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """A market reached its end date: it takes no more orders and its open orders were cancelled."""

    condition_id: str


class EventListed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """An event was listed with its markets (their `MarketListed` events follow)."""

    event_id: str
    title: str
    slug: str
    description: str
    neg_risk: bool
    neg_risk_market_id: str
    condition_ids: tuple[str, ...]


class PositionsSplit(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """`address` turned `amount_units` collateral into as many of each of the market's two tokens."""

    address: str
    condition_id: str
    amount_units: int


class PositionsMerged(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """`address` turned `amount_units` pairs of the market's tokens back into collateral."""

    address: str
    condition_id: str
    amount_units: int


class PositionsConverted(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """`address` converted `amount_units` NO shares of each of `no_token_ids` (a neg-risk event's) into
    `collateral_units` collateral and `amount_units` of each of `yes_token_ids`."""

    address: str
    event_id: str
    index_set: int
    amount_units: int
    no_token_ids: tuple[str, ...]
    yes_token_ids: tuple[str, ...]
    collateral_units: int


class PositionsRedeemed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """`address` redeemed a resolved market's tokens: `winning_units` paid `payout_units` (as many) collateral,
    `losing_units` were burned for nothing."""

    address: str
    condition_id: str
    winning_token_id: str
    losing_token_id: str
    winning_units: int
    losing_units: int
    payout_units: int


class OrderAccepted(msgspec.Struct, frozen=True, gc=False, tag=True):
    """An order passed every check and entered the exchange (it may match at once)."""

    order_id: str
    sequence: int
    """Acceptance order, from 1: the order's stable position in listings."""
    owner: str
    maker: str
    signer: str
    condition_id: str
    token_id: str
    side: Side
    order_type: OrderType
    post_only: bool
    price_units: int
    size_units: int
    fee_rate_bps: int
    expiration: int
    created_at_ms: int


class OrderFilled(msgspec.Struct, frozen=True, gc=False, tag=True):
    """An order matched `fill_units` more shares; `matched_units` is its new total."""

    order_id: str
    owner: str
    trade_id: str
    fill_units: int
    matched_units: int
    status: OrderStatus


class OrderCanceled(msgspec.Struct, frozen=True, gc=False, tag=True):
    """An order left the exchange unmatched (the rest of it, if it was partly matched)."""

    order_id: str
    owner: str
    condition_id: str
    token_id: str
    reason: CancelReason
    matched_units: int


class MakerFill(msgspec.Struct, frozen=True, gc=False):
    """One maker order's part of a trade, in the maker order's own token and price."""

    order_id: str
    owner: str
    maker: str
    token_id: str
    side: Side
    price_units: int
    matched_units: int
    fee_units: int
    fee_rate_bps: int
    kind: str
    """COMPLEMENTARY (same token), MINT (two BUYs) or MERGE (two SELLs)."""
    builder_code: str = ""


class Trade(msgspec.Struct, frozen=True, gc=False, tag=True):
    """One taker match: the taker's side of it and one leg per maker order.

    `kind` is COMPLEMENTARY, MINT or MERGE (the kind of the first leg; legs may differ). `collateral_units`
    is what the taker paid (BUY) or received (SELL), before fees; `fee_units` is the taker's fee: in tokens
    for a V1 BUY, in collateral for a V1 SELL and for every V2 taker (added to a BUY's cost, taken from a
    SELL's proceeds). `fee_rate_bps` is the rate the taker paid by (a V2 taker: the market's).
    """

    trade_id: str
    sequence: int
    """Trade order, from 1: the trade's stable position in listings."""
    condition_id: str
    taker_order_id: str
    taker_owner: str
    taker_maker: str
    token_id: str
    side: Side
    size_units: int
    collateral_units: int
    fee_units: int
    fee_rate_bps: int
    kind: str
    maker_fills: tuple[MakerFill, ...]
    matched_at_ms: int
    builder_code: str = ""


class TradeStatusChanged(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A trade moved on in settlement (MINED, then CONFIRMED): at the command's time, which is its due time or
    later (see core/settlement.py)."""

    trade_id: str
    status: TradeStatus


class BookLevelChanged(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A level of the market's book now holds `size_units` (0: the level is gone), in first-token terms.

    The second token's book is the mirror: see `for_token`.
    """

    condition_id: str
    token_ids: tuple[str, str]
    book_side: BookSide
    price_units: int
    size_units: int

    def for_token(self, token_index: int) -> tuple[str, Side, int]:
        """Return (token_id, side, price_units) of this level in token `token_index`'s own book."""
        if token_index == 0:
            side = Side.BUY if self.book_side is BookSide.BID else Side.SELL
            return self.token_ids[0], side, self.price_units
        side = Side.SELL if self.book_side is BookSide.BID else Side.BUY
        return self.token_ids[1], side, UNIT - self.price_units


class BalanceChanged(msgspec.Struct, frozen=True, gc=False, tag=True):
    """`address` now holds `free_units` + `reserved_units` of `asset`."""

    address: str
    asset: str
    free_units: int
    reserved_units: int


class TickSizeChanged(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """The market's tick changed (dynamic tick or operator), for both of its tokens."""

    condition_id: str
    token_ids: tuple[str, str]
    old_tick_units: int
    new_tick_units: int


class TradingModeChanged(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag=True):
    """The exchange's trading mode changed."""

    old_mode: TradingMode
    new_mode: TradingMode


Event = (
    MarketListed
    | MarketUpdated
    | MarketResolved
    | MarketClosed
    | EventListed
    | PositionsSplit
    | PositionsMerged
    | PositionsConverted
    | PositionsRedeemed
    | OrderAccepted
    | OrderFilled
    | OrderCanceled
    | Trade
    | TradeStatusChanged
    | BookLevelChanged
    | BalanceChanged
    | TickSizeChanged
    | TradingModeChanged
)
