"""Response bodies as msgspec Structs: the response schemas of the OpenAPI document (GET /openapi.json).

Routes build their answers as plain dicts (wire.py, markets.py, ...); these Structs only describe them.
Unknown fields are forbidden, and a test decodes real responses of every route into the documented type,
so a shape here cannot drift from what its route sends. Field names are the wire's own. Decimal amounts are
strings ("0.55"); fields the reference gives as JSON numbers are numbers.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from openclob.core import TradingMode


class _Shape(msgspec.Struct, forbid_unknown_fields=True):
    """Base of the response shapes: every key is listed."""


class ErrorBody(msgspec.Struct):
    """Every error: {"error": message}; some carry more keys (a 400 on heartbeats gives `heartbeat_id`)."""

    error: str


# ---------------------------------------------------------------------------- trading and keys


class OrderResponse(_Shape):
    """The answer to one order: placed (success) or, inside POST /orders, refused with `errorMsg`."""

    success: bool
    errorMsg: str
    orderID: str
    transactionsHashes: list[str]
    status: str
    takingAmount: str
    makingAmount: str
    tradeIDs: list[str]


class CancelResponse(_Shape):
    """Ids canceled, and the reason each other id was not."""

    canceled: list[str]
    not_canceled: dict[str, str]


class ServerVersion(_Shape):
    version: int


class Readiness(_Shape):
    """GET /ready while the sequencer runs (425 while it recovers, 503 once it is not running)."""

    status: str
    sequence: int
    """The journal sequence of the last command applied."""
    queued_commands: int
    inflight_requests: int


class ApiCreds(_Shape):
    """L2 credentials: the API key, its HMAC secret (base64url) and passphrase."""

    apiKey: str
    secret: str
    passphrase: str


class ApiKeys(_Shape):
    apiKeys: list[str]


class ClosedOnly(_Shape):
    closed_only: bool


class ReadonlyApiKey(_Shape):
    apiKey: str


class ReadonlyKeyValidity(_Shape):
    valid: bool


# ---------------------------------------------------------------------------- account


class OpenOrder(_Shape):
    id: str
    status: str
    owner: str
    maker_address: str
    market: str
    asset_id: str
    side: str
    original_size: str
    size_matched: str
    price: str
    outcome: str
    expiration: str
    order_type: str
    associate_trades: list[str]
    created_at: int


class OrdersPage(_Shape):
    """A page of orders; pass `next_cursor` back for the next one ("LTE=" after the last page)."""

    limit: int
    count: int
    next_cursor: str
    data: list[OpenOrder]


class MakerOrder(_Shape):
    order_id: str
    owner: str
    maker_address: str
    matched_amount: str
    price: str
    fee_rate_bps: str
    asset_id: str
    outcome: str
    side: str


class Trade(_Shape):
    """A trade as the caller saw it (`trader_side`); `fee` is what the caller paid."""

    id: str
    taker_order_id: str
    market: str
    asset_id: str
    side: str
    size: str
    fee_rate_bps: str
    price: str
    status: str
    match_time: str
    last_update: str
    outcome: str
    bucket_index: int
    owner: str
    maker_address: str
    maker_orders: list[MakerOrder]
    transaction_hash: str
    trader_side: str
    fee: str


class TradesPage(_Shape):
    limit: int
    count: int
    next_cursor: str
    data: list[Trade]


class BalanceAllowance(_Shape):
    """Amounts in base units (1e-6); `allowances` maps each exchange contract to its allowance."""

    balance: str
    allowance: str
    allowances: dict[str, str]


class Notification(_Shape):
    """Type 1: order cancelled, 2: order filled, 4: market resolved."""

    id: int
    type: int
    owner: str
    payload: dict[str, Any]


class HeartbeatAck(_Shape):
    """The id to send with the next heartbeat."""

    heartbeat_id: str


class OrderScoring(_Shape):
    scoring: bool


# ---------------------------------------------------------------------------- market data


class BookLevel(_Shape):
    price: str
    size: str


class OrderBookSummary(_Shape):
    """A token's book, levels best-last; `hash` is the SHA-1 the clients recompute."""

    market: str
    asset_id: str
    timestamp: str
    hash: str
    bids: list[BookLevel]
    asks: list[BookLevel]
    min_order_size: str
    tick_size: str
    neg_risk: bool
    last_trade_price: str


class Price(_Shape):
    price: str


class Midpoint(_Shape):
    mid: str


class Spread(_Shape):
    spread: str


class LastTradePrice(_Shape):
    """`side` is the taker's, in this token's terms; "" before any trade."""

    price: str
    side: str


class TokenLastTradePrice(_Shape):
    token_id: str
    price: str
    side: str


class TickSize(_Shape):
    minimum_tick_size: float


class NegRisk(_Shape):
    neg_risk: bool


class FeeRate(_Shape):
    """The market's fee rate in basis points."""

    base_fee: int


class PricePoint(_Shape):
    """`t`: the bucket's start in unix seconds; `p`: the last trade price in the bucket."""

    t: int
    p: float


class PriceHistory(_Shape):
    history: list[PricePoint]


# ---------------------------------------------------------------------------- markets


class MarketToken(_Shape):
    token_id: str
    outcome: str
    price: float
    winner: bool


class Rewards(_Shape):
    rates: list[dict[str, Any]] | None
    min_size: float
    max_spread: float


class Market(_Shape):
    """The reference's `Market` object."""

    enable_order_book: bool
    active: bool
    closed: bool
    archived: bool
    accepting_orders: bool
    accepting_order_timestamp: str
    minimum_order_size: float
    minimum_tick_size: float
    condition_id: str
    question_id: str
    question: str
    description: str
    market_slug: str
    end_date_iso: str | None
    game_start_time: str | None
    seconds_delay: int
    fpmm: str
    maker_base_fee: int
    taker_base_fee: int
    notifications_enabled: bool
    neg_risk: bool
    neg_risk_market_id: str
    neg_risk_request_id: str
    icon: str
    image: str
    rewards: Rewards
    is_50_50_outcome: bool
    tokens: list[MarketToken]
    tags: list[str]


class SimplifiedMarket(_Shape):
    condition_id: str
    rewards: Rewards
    tokens: list[MarketToken]
    active: bool
    closed: bool
    archived: bool
    accepting_orders: bool


class MarketsPage(_Shape):
    limit: int
    count: int
    next_cursor: str
    data: list[Market]


class SimplifiedMarketsPage(_Shape):
    limit: int
    count: int
    next_cursor: str
    data: list[SimplifiedMarket]


class TradeEventMarket(_Shape):
    condition_id: str
    asset_id: str
    question: str
    icon: str
    slug: str


class TradeEventUser(_Shape):
    """Always empty strings: openclob shows no users."""

    address: str
    username: str
    profile_picture: str
    optimized_profile_picture: str
    pseudonym: str


class MarketTradeEvent(_Shape):
    """One recent trade as its taker saw it."""

    event_type: str
    market: TradeEventMarket
    user: TradeEventUser
    side: str
    size: str
    fee_rate_bps: str
    price: str
    outcome: str
    outcome_index: int
    transaction_hash: str
    timestamp: str


class MarketDetailsToken(_Shape):
    t: str
    o: str


class FeeDetails(_Shape):
    """V2 taker fee: rate `r` (a fraction), exponent `e`, takers only (`to`)."""

    r: float
    e: int
    to: bool


class MarketDetails(_Shape):
    """The compact `MarketDetails` of GET /clob-markets/{condition_id}; `nr` and `fd` only when they apply."""

    c: str
    t: list[MarketDetailsToken]
    mts: float
    mbf: int
    tbf: int
    r: dict[str, Any] | None
    ao: bool
    mos: float
    sd: int
    cbos: bool
    aot: str
    rfqe: bool
    itode: bool
    ibce: bool
    nr: bool | UnsetType = UNSET
    fd: FeeDetails | UnsetType = UNSET


class MarketByToken(_Shape):
    condition_id: str
    primary_token_id: str
    secondary_token_id: str


# ---------------------------------------------------------------------------- builders


class BuilderTrade(_Shape):
    """One attributed order's part of one trade (TAKER or MAKER)."""

    id: str
    tradeType: str
    takerOrderHash: str
    builder: str
    market: str
    assetId: str
    side: str
    size: str
    sizeUsdc: str
    price: str
    status: str
    outcome: str
    outcomeIndex: int
    owner: str
    maker: str
    transactionHash: str
    matchTime: str
    bucketIndex: int
    fee: str
    feeUsdc: str
    builderFee: str
    builderCode: str
    err_msg: str | None
    createdAt: str
    updatedAt: str


class BuilderTradesPage(_Shape):
    limit: int
    count: int
    next_cursor: str
    data: list[BuilderTrade]


class BuilderFees(_Shape):
    builder_code: str
    builder_maker_fee_rate_bps: int
    builder_taker_fee_rate_bps: int


# ---------------------------------------------------------------------------- admin


class AdminApiKey(_Shape):
    """An API key as the operator sees it: never its secret or passphrase."""

    api_key: str
    address: str
    readonly: bool
    created_at_ms: int


class AdminBalance(_Shape):
    """An address's holding of one asset, in whole units: `balance` = `free` + `reserved` (open orders); `pending`
    is what trades not yet MINED will add, with `--proceeds-available-at mined`."""

    address: str
    asset: str
    balance: str
    free: str
    reserved: str
    pending: str


class EventMarket(Market):
    """A market of an event: the `Market` object with the outcome's short name."""

    outcome: str


class AdminEvent(_Shape):
    """An event with its markets, one per outcome in order; `converted` is the amount converted so far."""

    id: str
    title: str
    slug: str
    description: str
    neg_risk: bool
    neg_risk_market_id: str
    converted: str
    closed: bool
    markets: list[EventMarket]


class ConversionResult(_Shape):
    """A neg-risk conversion: `amount` NO of each outcome in `index_set` (a decimal bit set) became `collateral`
    plus `amount` YES of each other outcome; `balances` are the address's collateral and the event's tokens."""

    event_id: str
    index_set: str
    amount: str
    collateral: str
    balances: list[AdminBalance]


class RedemptionResult(_Shape):
    """A redemption: `payout` collateral for the winning tokens (0 when nothing was left to redeem)."""

    condition_id: str
    address: str
    payout: str
    balances: list[AdminBalance]


class TradingModeState(_Shape):
    mode: TradingMode


# ---------------------------------------------------------------------------- rate-limit tiers


class TierDetails(_Shape):
    """A tier's bucket refill rates (tokens a second), bursts, and whether the cancel bucket may go into debt."""

    order_rate: int
    order_burst: int
    cancel_rate: int
    cancel_burst: int
    negative_balance: bool


class RateLimitTier(_Shape):
    """The caller's trading rate-limit tier; `period` is the volume window in days."""

    tier: str
    period: int
    tier_details: TierDetails
    usdc_volume: str | UnsetType = UNSET
    next_tier_threshold: int | UnsetType = UNSET


class AdminRateLimitTier(_Shape):
    address: str
    tier: str


class SimulatedAccount(_Shape):
    """One simulated trader: an account of the exchange, funded by the operator's mint."""

    role: str
    owner: str
    address: str
    simulated: bool


class SimulationFairValue(_Shape):
    start: float
    volatility: float
    jump_rate: float
    jump_size: float


class Simulation(_Shape):
    """A simulation: its settings, where it stands (`status` running, stopped or resolved) and its accounts.

    `current_fair_value` is the hidden fair value of the first outcome; `stepped_to_ms` the exchange time it has
    acted up to (steps of 250 ms); `commands` how many commands it has submitted."""

    id: str
    condition_id: str
    seed: int
    status: str
    simulated: bool
    fair_value: SimulationFairValue
    current_fair_value: float
    makers: int
    takers: int
    informed: int
    levels: int
    taker_rate: float
    informed_threshold: float
    started_at_ms: int
    stepped_to_ms: int
    steps: int
    commands: int
    accounts: list[SimulatedAccount]


class ExchangeClock(_Shape):
    """The exchange's time in unix milliseconds, and whether it stands still."""

    now_ms: int
    frozen: bool
