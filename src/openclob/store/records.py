"""Rows the store keeps beside the journal: what the query endpoints read, and the edge's own state.

All amounts are integer 1e-6 units and all times unix milliseconds, as in the core. `position` is a
record's stable place in listings (the core's order or trade sequence): pages are read in position
order, so rows that arrive while a client pages never shift what it has not read yet.
"""

from __future__ import annotations

import msgspec


class OrderRecord(msgspec.Struct, kw_only=True):
    """An order as /data/order(s) show it, open or closed."""

    order_id: str
    position: int
    owner: str
    maker: str
    signer: str
    condition_id: str
    token_id: str
    side: str
    """"BUY" or "SELL"."""
    order_type: str
    price_units: int
    size_units: int
    matched_units: int
    status: str
    """"LIVE", "MATCHED" or "CANCELED"."""
    fee_rate_bps: int
    expiration: int
    created_at_ms: int
    updated_at_ms: int
    trade_ids: list[str] = msgspec.field(default_factory=list)
    cancel_reason: str | None = None


class MakerLegRecord(msgspec.Struct, kw_only=True):
    """One maker order's part of a trade, in the maker's own token and price."""

    order_id: str
    owner: str
    maker: str
    token_id: str
    side: str
    price_units: int
    matched_units: int
    fee_units: int
    fee_rate_bps: int
    kind: str
    builder_code: str = ""
    """The maker order's V2 builder code, "" for none."""


class TradeRecord(msgspec.Struct, kw_only=True):
    """One taker match with all its maker legs; both the taker and every maker see it."""

    trade_id: str
    position: int
    condition_id: str
    taker_order_id: str
    taker_owner: str
    taker_maker: str
    token_id: str
    side: str
    size_units: int
    collateral_units: int
    fee_units: int
    fee_rate_bps: int
    kind: str
    status: str
    """"MATCHED", "MINED" or "CONFIRMED"."""
    matched_at_ms: int
    updated_at_ms: int
    transaction_hash: str
    builder_code: str = ""
    """The taker order's V2 builder code, "" for none."""
    maker_legs: list[MakerLegRecord]


class ActivityRecord(msgspec.Struct, kw_only=True):
    """One thing an address did, as the Data API lists it: its side of a trade, a split, a merge, a neg-risk
    conversion or a redemption.

    A trade gives one row to its taker and one to each maker leg, each in that party's own token, side and
    price. `sequence` is the journal entry that did it and `item` the row's place within it: the
    address's history in order. The other kinds have no token, side or trade (empty strings):

    - SPLIT: `size_units` collateral became as many of each of the market's tokens (`usdc_units` spent).
    - MERGE: `size_units` pairs became `usdc_units` (as many) collateral.
    - CONVERSION: `size_units` NO of each of `token_ids_in` became `size_units` of each of `token_ids_out` (YES
      shares) and `usdc_units` collateral; `condition_id` is "", `event_id` the event and `index_set` the
      outcomes converted.
    - REDEEM: `size_units` tokens of a resolved market were redeemed for `usdc_units` collateral, one per winning
      token: `token_ids_in` is the market's winning token then its losing one, so `usdc_units` winning and
      `size_units - usdc_units` losing tokens went.
    """

    address: str
    sequence: int
    item: int
    type: str
    """"TRADE", "SPLIT", "MERGE", "CONVERSION" or "REDEEM"."""
    condition_id: str
    token_id: str
    side: str
    size_units: int
    usdc_units: int
    price_units: int
    taker: bool
    trade_id: str
    transaction_hash: str
    at_ms: int
    event_id: str = ""
    index_set: int = 0
    token_ids_in: list[str] = msgspec.field(default_factory=list)
    token_ids_out: list[str] = msgspec.field(default_factory=list)


class NotificationRecord(msgspec.Struct, kw_only=True):
    """A notification for one API key: 1 order cancelled, 2 order filled, 4 market resolved."""

    notification_id: int
    owner: str
    type: int
    payload: dict[str, object]
    created_at_ms: int


class ApiKeyRecord(msgspec.Struct, kw_only=True):
    """An API key: full (L2 HMAC) or read-only (no secret)."""

    api_key: str
    address: str
    nonce: int
    secret: str
    passphrase: str
    readonly: bool
    created_at_ms: int


class WalletLinkRecord(msgspec.Struct, kw_only=True):
    """An operator's statement that `signer` controls the proxy, Safe or deposit wallet `funder`."""

    signer: str
    funder: str
    signature_type: int


class RateLimitTierRecord(msgspec.Struct, kw_only=True):
    """The operator's choice of trading rate-limit tier for a signer address (see api/rate_limits.py)."""

    address: str
    tier: str


class ClockRecord(msgspec.Struct, kw_only=True):
    """The exchange clock (service.py): running at the host's wall time plus `offset_ms`, or frozen at
    `frozen_at_ms`."""

    offset_ms: int = 0
    frozen_at_ms: int | None = None


class MarketInfoRecord(msgspec.Struct, kw_only=True):
    """What the core does not keep about a market: its words and dates."""

    condition_id: str
    question: str
    description: str
    market_slug: str
    created_at_ms: int
    end_date_iso: str = ""
    question_id: str = ""
    group_item_title: str = ""
    """The outcome's short name in its event ("" for a market listed alone)."""


class EventRecord(msgspec.Struct, kw_only=True):
    """An event as listed (core `EventListed`): its words, neg-risk ids and markets, one per outcome in order."""

    event_id: str
    position: int
    """Listing order, from 1 (the journal sequence of the listing)."""
    title: str
    slug: str
    description: str
    neg_risk: bool
    neg_risk_market_id: str
    condition_ids: list[str]
    created_at_ms: int


class PricePointRecord(msgspec.Struct, kw_only=True):
    """A trade print in one token's own terms, for /prices-history."""

    token_id: str
    at_ms: int
    price_units: int
