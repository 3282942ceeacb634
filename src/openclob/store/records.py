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


class ActivityRecord(msgspec.Struct, kw_only=True):
    """A change of a user's positions other than a trade: a split, merge, neg-risk conversion or redemption.

    - SPLIT: `amount_units` collateral became as many of each of the market's tokens (`collateral_units` spent).
    - MERGE: `amount_units` pairs became `collateral_units` (as many) collateral.
    - CONVERSION: `amount_units` NO of each of `token_ids_in` became `amount_units` of each of `token_ids_out`
      (YES shares) and `collateral_units` collateral; `condition_id` is "" and `index_set` the outcomes converted.
    - REDEEM: `amount_units` tokens of a resolved market were redeemed (`token_ids_in`: the winning one first, if
      held, then the losing one), for `collateral_units` collateral, one per winning token.
    """

    activity_id: int
    address: str
    kind: str
    """"SPLIT", "MERGE", "CONVERSION" or "REDEEM"."""
    condition_id: str
    event_id: str
    amount_units: int
    collateral_units: int
    token_ids_in: list[str]
    token_ids_out: list[str]
    index_set: int
    at_ms: int
    sequence: int
    """The journal sequence of the command that did it."""


class PricePointRecord(msgspec.Struct, kw_only=True):
    """A trade print in one token's own terms, for /prices-history."""

    token_id: str
    at_ms: int
    price_units: int
