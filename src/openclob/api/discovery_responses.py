"""Response shapes of the Gamma and Data API subsets (api/gamma.py, api/data_api.py), for /openapi.json.

As in responses.py, these Structs only describe what the routes build as dicts; unknown keys are
forbidden, so a key added to a route without its shape fails the shape test. Keys Gamma leaves out when
empty have a default (UNSET) and are optional in the schema.
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class _Shape(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """Base of the shapes: every key listed, camelCase on the wire."""


class _EventFields(_Shape):
    """What every Gamma event carries."""

    id: str
    ticker: str
    slug: str
    title: str
    description: str
    start_date: str
    creation_date: str
    image: str
    icon: str
    active: bool
    closed: bool
    archived: bool
    new: bool
    featured: bool
    restricted: bool
    created_at: str
    updated_at: str
    enable_order_book: bool
    neg_risk: bool
    enable_neg_risk: bool
    neg_risk_market_i_d: str = msgspec.field(name="negRiskMarketID")
    neg_risk_augmented: bool
    cyom: bool
    show_all_outcomes: bool
    show_market_tags: bool
    comment_count: int


class GammaEventSummary(_EventFields):
    """An event as a market lists it under `events` (no markets, volume or liquidity)."""

    end_date: str | UnsetType = UNSET


class GammaMarket(_Shape):
    """A Gamma market: `outcomes`, `outcomePrices` and `clobTokenIds` are JSON-encoded strings."""

    id: str
    question: str
    condition_id: str
    slug: str
    resolution_source: str
    start_date: str
    image: str
    icon: str
    description: str
    outcomes: str
    outcome_prices: str
    volume: str
    active: bool
    closed: bool
    market_maker_address: str
    created_at: str
    updated_at: str
    new: bool
    featured: bool
    archived: bool
    restricted: bool
    question_i_d: str = msgspec.field(name="questionID")
    enable_order_book: bool
    order_price_min_tick_size: float
    order_min_size: float
    volume_num: float
    volume24hr: float
    volume1wk: float
    volume1mo: float
    volume1yr: float
    liquidity: str
    liquidity_num: float
    start_date_iso: str
    volume_clob: float
    volume24hr_clob: float
    volume1wk_clob: float
    volume1mo_clob: float
    volume1yr_clob: float
    liquidity_clob: float
    clob_token_ids: str
    accepting_orders: bool
    accepting_orders_timestamp: str
    neg_risk: bool
    neg_risk_market_i_d: str = msgspec.field(name="negRiskMarketID")
    neg_risk_request_i_d: str = msgspec.field(name="negRiskRequestID")
    group_item_title: str
    ready: bool
    funded: bool
    cyom: bool
    automatically_active: bool
    clear_book_on_start: bool
    manual_activation: bool
    pending_deployment: bool
    deploying: bool
    rfq_enabled: bool
    fees_enabled: bool
    end_date: str | UnsetType = UNSET
    end_date_iso: str | UnsetType = UNSET
    best_bid: float | UnsetType = UNSET
    best_ask: float | UnsetType = UNSET
    spread: float | UnsetType = UNSET
    last_trade_price: float | UnsetType = UNSET
    events: list[GammaEventSummary] | UnsetType = UNSET


class GammaEvent(_EventFields):
    """A Gamma event with its markets (in full) and tags."""

    volume: float
    volume24hr: float
    volume1wk: float
    volume1mo: float
    volume1yr: float
    liquidity: float
    liquidity_clob: float
    open_interest: float
    markets: list[GammaMarket]
    tags: list[GammaTag]
    end_date: str | UnsetType = UNSET


class GammaTag(_Shape):
    """A Gamma tag (openclob lists none)."""

    id: str
    label: str
    slug: str


class _Profile(_Shape):
    name: str
    pseudonym: str
    bio: str
    profile_image: str
    profile_image_optimized: str


class Position(_Shape):
    """A Data API position: amounts and prices as JSON numbers."""

    proxy_wallet: str
    asset: str
    condition_id: str
    size: float
    avg_price: float
    initial_value: float
    current_value: float
    cash_pnl: float
    percent_pnl: float
    total_bought: float
    realized_pnl: float
    percent_realized_pnl: float
    cur_price: float
    redeemable: bool
    mergeable: bool
    title: str
    slug: str
    icon: str
    event_slug: str
    event_id: str
    outcome: str
    outcome_index: int
    opposite_outcome: str
    opposite_asset: str
    end_date: str
    negative_risk: bool


class Activity(_Profile):
    """A Data API activity row: a trade, split, merge, conversion or redemption."""

    proxy_wallet: str
    timestamp: int
    condition_id: str
    type: str
    size: float
    usdc_size: float
    transaction_hash: str
    price: float
    asset: str
    side: str
    outcome_index: int
    title: str
    slug: str
    icon: str
    event_slug: str
    outcome: str


class DataTrade(_Profile):
    """A row of the Data API's trade tape."""

    proxy_wallet: str
    side: str
    asset: str
    condition_id: str
    size: float
    price: float
    timestamp: int
    title: str
    slug: str
    icon: str
    event_slug: str
    outcome: str
    outcome_index: int
    transaction_hash: str


class PortfolioValue(_Shape):
    """GET /data-api/value: the current value of an address's positions."""

    user: str
    value: float
