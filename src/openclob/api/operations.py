"""What the OpenAPI document says about each route handler: summary, auth, query parameters, body, response.

Paths and methods are not repeated here: the document takes them from the app's route table, and a handler
served at several paths (aliases such as /orders and /data/orders) is described once. Body types are the
Structs the handlers decode with; response types are the shapes in `responses`. A test fails when a route's
handler is missing from `OPERATIONS`, so a new route cannot go undocumented.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from openclob.api import (
    account,
    admin,
    admin_reads,
    builders,
    clob_markets,
    clock,
    console,
    data_api,
    discovery_responses,
    events,
    faults,
    gamma,
    keys,
    market_data,
    markets,
    metrics,
    public,
    rate_limit_tiers,
    replays,
    responses,
    simulations,
    trading,
)
from openclob.api.orders import SendOrder
from openclob.faults import Rule
from openclob.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from openclob.replay.driver import ReplayState
from openclob.simulation.config import SimulationSpec
from openclob.store.records import WalletLinkRecord

Handler = Callable[[Request], Awaitable[Response]]

TOKEN_ID_PATTERN = market_data.TOKEN_ID.pattern
ADDRESS_PATTERN = admin.ADDRESS.pattern
"""A decimal uint256."""


class Auth(enum.Enum):
    """Which credentials a route checks; the document's security schemes for each are in `openapi`."""

    PUBLIC = "public"
    L1 = "l1"
    """A wallet's EIP-712 ClobAuth signature: creates or derives API credentials."""
    L2 = "l2"
    """An API key's HMAC over timestamp, method, path and body."""
    L2_OR_READONLY = "l2-or-readonly"
    """L2, or a read-only API key with its address."""
    ADMIN = "admin"
    """The operator's bearer token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """A query parameter (always a string on the wire)."""

    name: str
    description: str
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One handler's entry in the document.

    `body` and `response` are types msgspec can describe (Structs, lists, dicts, literals); `errors` are
    the statuses the handler raises beyond 401 (added for authenticated routes) and 413 (added with a body).
    """

    summary: str
    auth: Auth = Auth.PUBLIC
    query: tuple[Param, ...] = ()
    body: Any = None
    body_required: bool = True
    response: Any = None
    response_media_type: str | None = None
    """The answer's media type when it is not JSON (its schema is then a string)."""
    errors: tuple[int, ...] = ()


def _token_id(description: str = "A token id (decimal uint256).") -> Param:
    return Param(name="token_id", description=description, required=True, pattern=TOKEN_ID_PATTERN)


_CURSOR = Param(name="next_cursor", description='The cursor of the page to read; "MA==" or absent for the first.')
_ID = Param(name="id", description="Only this order or trade id.")
_MARKET = Param(name="market", description="Only this market (condition id).")
_ASSET = Param(name="asset_id", description="Only this token id.")
_MAKER = Param(name="maker_address", description="Only trades with this maker address.")
_BEFORE = Param(name="before", description="Only trades matched before this time (unix seconds).", pattern=r"^\d+$")
_AFTER = Param(name="after", description="Only trades matched after this time (unix seconds).", pattern=r"^\d+$")
_TRADE_FILTERS = (_ID, _MARKET, _ASSET, _MAKER, _BEFORE, _AFTER, _CURSOR)
_TOKEN_IDS = Param(name="token_ids", description="Comma-separated token ids.", required=True)
_SIDES = Param(name="sides", description="Comma-separated BUY or SELL, one per token id (any case).")
_SIDE = Param(name="side", description="BUY (best bid) or SELL (best ask), any case.", required=True)
_BOOK_PARAMS = list[market_data._BookParams]
_BOOL = ("true", "false")
_GAMMA_LIMIT = Param(name="limit", description="At most this many (default 500, at most 1000).", pattern=r"^\d+$")
_GAMMA_OFFSET = Param(name="offset", description="Skip this many.", pattern=r"^\d+$")
_GAMMA_COMMON = (
    Param(name="id", description="Only these ids (repeated or comma-separated)."),
    Param(name="slug", description="Only these slugs (repeated or comma-separated)."),
    Param(name="active", description="Only (not) active ones.", enum=_BOOL),
    Param(name="closed", description="Only (not) closed ones.", enum=_BOOL),
    Param(name="archived", description="Only (not) archived ones (none is).", enum=_BOOL),
    Param(name="tag_id", description="Only those with this tag (none has tags)."),
    _GAMMA_LIMIT,
    _GAMMA_OFFSET,
    Param(name="order", description="Comma-separated fields to order by: " + ", ".join(gamma.ORDER_FIELDS) + "."),
    Param(name="ascending", description="Order ascending (default true).", enum=_BOOL),
)  # fmt: skip
_GAMMA_MARKET_FILTERS = (
    *_GAMMA_COMMON,
    Param(name="condition_ids", description="Only these condition ids (repeated or comma-separated)."),
    Param(name="clob_token_ids", description="Only markets of these token ids (repeated or comma-separated)."),
)
_GAMMA_EVENT_FILTERS = _GAMMA_COMMON
_USER = Param(name="user", description="The address holding the tokens.", required=True, pattern=admin.ADDRESS.pattern)
_DATA_MARKET = Param(name="market", description="Only these condition ids (comma-separated).")
_DATA_LIMIT = Param(name="limit", description="At most this many (default 100).", pattern=r"^\d+$")
_DATA_OFFSET = Param(name="offset", description="Skip this many.", pattern=r"^\d+$")
_SORT_DIRECTION = Param(name="sortDirection", description="ASC or DESC (default DESC).", enum=("ASC", "DESC"))

OPERATIONS: dict[Handler, Operation] = {
    # trading (L2)
    trading.post_order: Operation(
        summary="Place one signed order (V1 or V2 struct)",
        auth=Auth.L2,
        body=SendOrder,
        response=responses.OrderResponse,
        errors=(400, 404, 429, 503),
    ),
    trading.post_orders: Operation(
        summary="Place a batch of signed orders; each one's refusal is inside the 200 array",
        auth=Auth.L2,
        body=list[SendOrder],
        response=list[responses.OrderResponse],
        errors=(400, 429),
    ),
    trading.cancel_order: Operation(
        summary="Cancel one order",
        auth=Auth.L2,
        body=trading._CancelOne,
        response=responses.CancelResponse,
        errors=(400, 429, 503),
    ),
    trading.cancel_orders: Operation(
        summary="Cancel orders by id (a JSON array of ids)",
        auth=Auth.L2,
        body=list[str],
        response=responses.CancelResponse,
        errors=(400, 429, 503),
    ),
    trading.cancel_all: Operation(
        summary="Cancel all the caller's orders", auth=Auth.L2, response=responses.CancelResponse, errors=(429, 503)
    ),
    trading.cancel_market_orders: Operation(
        summary="Cancel the caller's orders in a market or token",
        auth=Auth.L2,
        body=trading._CancelMarket,
        body_required=False,
        response=responses.CancelResponse,
        errors=(400, 429, 503),
    ),
    # public
    public.health: Operation(
        summary="Health check (425 while the exchange recovers, 503 if it stopped)", response=Literal["OK"]
    ),
    public.readiness: Operation(
        summary="Readiness: the sequencer runs (425 while recovering, 503 if not)", response=responses.Readiness
    ),
    metrics.metrics: Operation(
        summary="Prometheus metrics in the text format (public; 404 with --metrics off; answered while recovering)",
        response_media_type=METRICS_CONTENT_TYPE,
    ),
    public.server_time: Operation(summary="Server time in unix seconds", response=int),
    public.version: Operation(summary="The order version the server prefers", response=responses.ServerVersion),
    # API keys
    keys.create_api_key: Operation(
        summary="Create the API key of (address, nonce)", auth=Auth.L1, response=responses.ApiCreds, errors=(400,)
    ),
    keys.derive_api_key: Operation(
        summary="Derive the API key of (address, nonce) again", auth=Auth.L1, response=responses.ApiCreds, errors=(400,)
    ),
    keys.list_api_keys: Operation(summary="The address's API keys", auth=Auth.L2, response=responses.ApiKeys),
    keys.delete_api_key: Operation(summary="Delete the calling API key", auth=Auth.L2, response=Literal["OK"]),
    keys.closed_only: Operation(summary="Closed-only status", auth=Auth.L2, response=responses.ClosedOnly),
    keys.create_readonly_key: Operation(
        summary="Create a read-only API key", auth=Auth.L2, response=responses.ReadonlyApiKey
    ),
    keys.list_readonly_keys: Operation(summary="The address's read-only API keys", auth=Auth.L2, response=list[str]),
    keys.delete_readonly_key: Operation(
        summary="Delete a read-only API key",
        auth=Auth.L2,
        body=keys._ReadonlyKey,
        response=bool,
        errors=(400, 404),
    ),
    keys.validate_readonly_key: Operation(
        summary="Whether a key is a read-only key of an address",
        query=(
            Param(name="address", description="The address the key should belong to."),
            Param(name="key", description="The read-only API key."),
        ),
        response=responses.ReadonlyKeyValidity,
    ),
    # account (L2)
    account.get_orders: Operation(
        summary="The caller's open orders",
        auth=Auth.L2_OR_READONLY,
        query=(_ID, _MARKET, _ASSET, _CURSOR),
        response=responses.OrdersPage,
        errors=(400,),
    ),
    account.get_pre_migration_orders: Operation(
        summary="Open orders from before the V2 cut-over (always empty)",
        auth=Auth.L2,
        query=(_CURSOR,),
        response=responses.OrdersPage,
        errors=(400,),
    ),
    account.get_order: Operation(
        summary="One of the caller's orders",
        auth=Auth.L2_OR_READONLY,
        response=responses.OpenOrder,
        errors=(400, 404),
    ),
    account.get_trades: Operation(
        summary="The caller's trades, as taker or maker",
        auth=Auth.L2_OR_READONLY,
        query=_TRADE_FILTERS,
        response=responses.TradesPage,
        errors=(400,),
    ),
    account.balance_allowance: Operation(
        summary="Balance and allowance of collateral or of a token",
        auth=Auth.L2,
        query=(
            Param(name="asset_type", description="Any case.", required=True, enum=("COLLATERAL", "CONDITIONAL")),
            Param(name="token_id", description="The token, for CONDITIONAL.", pattern=TOKEN_ID_PATTERN),
            Param(
                name="signature_type",
                description="Whose funds: 0 EOA (default), 1 proxy, 2 Safe, 3 deposit wallet; names are accepted too.",
            ),
        ),
        response=responses.BalanceAllowance,
        errors=(400,),
    ),
    account.get_notifications: Operation(
        summary="The caller's recent notifications", auth=Auth.L2, response=list[responses.Notification]
    ),
    account.drop_notifications: Operation(
        summary="Drop some of the caller's notifications",
        auth=Auth.L2,
        query=(Param(name="ids", description="Comma-separated notification ids.", pattern=r"^[0-9,]*$"),),
        response=Literal["OK"],
        errors=(400,),
    ),
    account.post_heartbeat: Operation(
        summary="Keep the caller's orders alive; a missed heartbeat cancels them",
        auth=Auth.L2,
        body=account._HeartbeatBody,
        body_required=False,
        response=responses.HeartbeatAck,
        errors=(400,),
    ),
    account.order_scoring: Operation(
        summary="Whether an order is scoring for rewards (never)", auth=Auth.L2, response=responses.OrderScoring
    ),
    account.orders_scoring: Operation(
        summary="Whether each order is scoring for rewards (never)",
        auth=Auth.L2,
        body=list[str],
        response=dict[str, bool],
        errors=(400,),
    ),
    # admin
    admin.create_market: Operation(
        summary="List a market", auth=Auth.ADMIN, body=admin.NewMarket, response=responses.Market, errors=(400,)
    ),
    admin.update_market: Operation(
        summary="Pause or resume a market, or change its tick, minimum size or end date",
        auth=Auth.ADMIN,
        body=admin._MarketChange,
        response=responses.Market,
        errors=(400, 404),
    ),
    admin.resolve_market: Operation(
        summary="Resolve a market: cancel its orders, make its winning token redeemable (paid at once: --auto-redeem)",
        auth=Auth.ADMIN,
        body=admin._Resolution,
        response=responses.Market,
        errors=(400, 404),
    ),
    events.create_event: Operation(
        summary="List an event: one binary market per outcome, neg-risk or not",
        auth=Auth.ADMIN,
        body=events.NewEvent,
        response=responses.AdminEvent,
        errors=(400, 503),
    ),
    events.get_events: Operation(
        summary="Every event with its markets", auth=Auth.ADMIN, response=list[responses.AdminEvent]
    ),
    events.get_event: Operation(
        summary="One event with its markets", auth=Auth.ADMIN, response=responses.AdminEvent, errors=(404,)
    ),
    events.admin_convert: Operation(
        summary="Convert an address's NO positions of a neg-risk event into collateral and the other outcomes' YES",
        auth=Auth.ADMIN,
        body=events.ConvertRequest,
        response=responses.ConversionResult,
        errors=(400, 404),
    ),
    events.admin_redeem: Operation(
        summary="Redeem an address's tokens of a resolved market: 1 collateral per winning token, losers burned",
        auth=Auth.ADMIN,
        body=events.RedeemRequest,
        response=responses.RedemptionResult,
        errors=(400, 404),
    ),
    events.user_convert: Operation(
        summary="Convert the caller's own neg-risk NO positions (where the operator allows it: --user-conversions)",
        auth=Auth.L2,
        body=events.ConvertRequest,
        response=responses.ConversionResult,
        errors=(400, 403, 404),
    ),
    events.user_redeem: Operation(
        summary="Redeem the caller's own tokens of a resolved market",
        auth=Auth.L2,
        body=events.RedeemRequest,
        response=responses.RedemptionResult,
        errors=(400, 404),
    ),
    admin.change_balance: Operation(
        summary="Deposit collateral (a negative amount withdraws)",
        auth=Auth.ADMIN,
        body=admin._BalanceChange,
        response=responses.AdminBalance,
        errors=(400,),
    ),
    admin.get_balances: Operation(
        summary="Every asset an address holds",
        auth=Auth.ADMIN,
        query=(
            Param(name="address", description="0x and 40 hex digits.", required=True, pattern=admin.ADDRESS.pattern),
        ),
        response=list[responses.AdminBalance],
        errors=(400,),
    ),
    admin.split: Operation(
        summary="Split collateral into both outcome tokens",
        auth=Auth.ADMIN,
        body=admin._Conversion,
        response=list[responses.AdminBalance],
        errors=(400, 404),
    ),
    admin.merge: Operation(
        summary="Merge pairs of outcome tokens into collateral",
        auth=Auth.ADMIN,
        body=admin._Conversion,
        response=list[responses.AdminBalance],
        errors=(400, 404),
    ),
    admin.set_trading_mode: Operation(
        summary="Set the trading mode",
        auth=Auth.ADMIN,
        body=admin._Mode,
        response=responses.TradingModeState,
        errors=(400,),
    ),
    admin.get_trading_mode: Operation(summary="The trading mode", auth=Auth.ADMIN, response=responses.TradingModeState),
    admin.link_wallet: Operation(
        summary="Let a signer trade for a proxy, Safe or deposit wallet",
        auth=Auth.ADMIN,
        body=admin._Wallet,
        response=WalletLinkRecord,
        errors=(400,),
    ),
    admin_reads.get_api_keys: Operation(
        summary="The API keys that exist, without their secrets",
        auth=Auth.ADMIN,
        query=(
            Param(
                name="address",
                description="Only this address's keys (0x and 40 hex digits).",
                pattern=admin.ADDRESS.pattern,
            ),
        ),
        response=list[responses.AdminApiKey],
        errors=(400,),
    ),
    admin_reads.get_orders: Operation(
        summary="An address's open orders",
        auth=Auth.ADMIN,
        query=(
            Param(name="address", description="0x and 40 hex digits.", required=True, pattern=admin.ADDRESS.pattern),
            _CURSOR,
        ),
        response=responses.OrdersPage,
        errors=(400,),
    ),
    admin_reads.get_trades: Operation(
        summary="The trades an address took part in",
        auth=Auth.ADMIN,
        query=(
            Param(name="address", description="0x and 40 hex digits.", required=True, pattern=admin.ADDRESS.pattern),
            _CURSOR,
        ),
        response=responses.TradesPage,
        errors=(400,),
    ),
    rate_limit_tiers.set_rate_limit_tier: Operation(
        summary="Set an address's trading rate-limit tier",
        auth=Auth.ADMIN,
        body=rate_limit_tiers._TierChoice,
        response=responses.AdminRateLimitTier,
        errors=(400,),
    ),
    rate_limit_tiers.get_admin_rate_limit_tier: Operation(
        summary="An address's trading rate-limit tier",
        auth=Auth.ADMIN,
        response=responses.AdminRateLimitTier,
        errors=(400,),
    ),
    faults.add_fault: Operation(
        summary="Put a fault rule in force (the WebSocket kinds act on the open sockets at once)",
        auth=Auth.ADMIN,
        body=Rule,
        response=faults.FaultRuleState,
        errors=(400,),
    ),
    faults.list_faults: Operation(
        summary="The fault rules in force, in the order they act, with what each has left",
        auth=Auth.ADMIN,
        response=list[faults.FaultRuleState],
    ),
    faults.remove_fault: Operation(
        summary="Take a fault rule out of force", auth=Auth.ADMIN, response=faults.FaultRuleState, errors=(404,)
    ),
    faults.clear_faults: Operation(
        summary="Take every fault rule out of force", auth=Auth.ADMIN, response=list[faults.FaultRuleState]
    ),
    replays.start_replay: Operation(
        summary="Replay a recorded market channel (a file on the server's disk) into its market's book",
        auth=Auth.ADMIN,
        body=replays.NewReplay,
        response=ReplayState,
        errors=(400,),
    ),
    replays.list_replays: Operation(
        summary="Every replay, running or ended, oldest first", auth=Auth.ADMIN, response=list[ReplayState]
    ),
    replays.get_replay: Operation(
        summary="A replay's progress and whether it is done", auth=Auth.ADMIN, response=ReplayState, errors=(404,)
    ),
    replays.stop_replay: Operation(
        summary="Stop a replay and cancel the liquidity it rests", auth=Auth.ADMIN, response=ReplayState, errors=(404,)
    ),
    console.index: Operation(summary="The web console's page (HTML)"),
    console.asset: Operation(summary="One of the web console's files (JavaScript, CSS)", errors=(404,)),
    clock.get_clock: Operation(
        summary="The exchange clock: its time and whether it is frozen",
        auth=Auth.ADMIN,
        response=responses.ExchangeClock,
    ),
    clock.move_clock: Operation(
        summary="Move the exchange clock forward (applying what falls due on the way) and/or freeze it",
        auth=Auth.ADMIN,
        body=clock.ClockChange,
        response=responses.ExchangeClock,
        errors=(400,),
    ),
    simulations.start_simulation: Operation(
        summary="Start simulated traders (makers, takers, informed) on a market, on the exchange clock",
        auth=Auth.ADMIN,
        body=SimulationSpec,
        response=responses.Simulation,
        errors=(400,),
    ),
    simulations.list_simulations: Operation(
        summary="Every simulation this server started, oldest first",
        auth=Auth.ADMIN,
        response=list[responses.Simulation],
    ),
    simulations.stop_simulation: Operation(
        summary="Stop a simulation and cancel its traders' open orders",
        auth=Auth.ADMIN,
        response=responses.Simulation,
        errors=(404,),
    ),
    rate_limit_tiers.get_rate_limit_tier: Operation(
        summary="The trading rate-limit tier of the caller's signer", auth=Auth.L2, response=responses.RateLimitTier
    ),
    # market data (public)
    market_data.get_book: Operation(
        summary="A token's order book",
        query=(_token_id(),),
        response=responses.OrderBookSummary,
        errors=(400, 404),
    ),
    market_data.post_books: Operation(
        summary="Order books of several tokens",
        body=_BOOK_PARAMS,
        response=list[responses.OrderBookSummary],
        errors=(400,),
    ),
    market_data.get_price: Operation(
        summary="A token's best price on one side",
        query=(_token_id(), _SIDE),
        response=responses.Price,
        errors=(400, 404),
    ),
    market_data.get_prices: Operation(
        summary="Best prices of several tokens: {token_id: {side: price}}",
        query=(_TOKEN_IDS, _SIDES),
        response=dict[str, dict[str, str]],
        errors=(400,),
    ),
    market_data.post_prices: Operation(
        summary="Best prices of several tokens: {token_id: {side: price}}",
        body=_BOOK_PARAMS,
        response=dict[str, dict[str, str]],
        errors=(400,),
    ),
    market_data.get_midpoint: Operation(
        summary="A token's midpoint", query=(_token_id(),), response=responses.Midpoint, errors=(400, 404)
    ),
    market_data.get_midpoints: Operation(
        summary="Midpoints of several tokens: {token_id: mid}",
        query=(_TOKEN_IDS,),
        response=dict[str, str],
        errors=(400,),
    ),
    market_data.post_midpoints: Operation(
        summary="Midpoints of several tokens: {token_id: mid}",
        body=_BOOK_PARAMS,
        response=dict[str, str],
        errors=(400,),
    ),
    market_data.get_spread: Operation(
        summary="A token's spread", query=(_token_id(),), response=responses.Spread, errors=(400, 404)
    ),
    market_data.get_spreads: Operation(
        summary="Spreads of several tokens: {token_id: spread}",
        query=(_TOKEN_IDS,),
        response=dict[str, str],
        errors=(400,),
    ),
    market_data.post_spreads: Operation(
        summary="Spreads of several tokens: {token_id: spread}",
        body=_BOOK_PARAMS,
        response=dict[str, str],
        errors=(400,),
    ),
    market_data.get_last_trade_price: Operation(
        summary="A token's last trade price and taker side",
        query=(_token_id(),),
        response=responses.LastTradePrice,
        errors=(400, 404),
    ),
    market_data.get_last_trades_prices: Operation(
        summary="Last trade prices of several tokens",
        query=(_TOKEN_IDS,),
        response=list[responses.TokenLastTradePrice],
        errors=(400,),
    ),
    market_data.post_last_trades_prices: Operation(
        summary="Last trade prices of several tokens",
        body=_BOOK_PARAMS,
        response=list[responses.TokenLastTradePrice],
        errors=(400,),
    ),
    market_data.get_tick_size: Operation(
        summary="A token's minimum tick size", query=(_token_id(),), response=responses.TickSize, errors=(400, 404)
    ),
    market_data.get_neg_risk: Operation(
        summary="Whether a token's market is neg risk",
        query=(_token_id(),),
        response=responses.NegRisk,
        errors=(400, 404),
    ),
    market_data.get_fee_rate: Operation(
        summary="A token's market fee rate in bps", query=(_token_id(),), response=responses.FeeRate, errors=(400, 404)
    ),
    market_data.get_prices_history: Operation(
        summary="A token's price history",
        query=(
            Param(name="market", description="The token id.", required=True, pattern=TOKEN_ID_PATTERN),
            Param(
                name="interval",
                description="A window ending now; excludes startTs and endTs.",
                enum=tuple(market_data.HISTORY_INTERVAL_SECONDS),
            ),
            Param(name="startTs", description="Start, unix seconds (inclusive).", pattern=r"^\d{1,12}$"),
            Param(name="endTs", description="End, unix seconds (inclusive).", pattern=r"^\d{1,12}$"),
            Param(name="fidelity", description="Bucket length in minutes (default 1).", pattern=r"^[1-9]\d{0,8}$"),
        ),
        response=responses.PriceHistory,
        errors=(400, 404),
    ),
    # markets (public)
    markets.get_markets: Operation(summary="Markets", query=(_CURSOR,), response=responses.MarketsPage, errors=(400,)),
    markets.get_market: Operation(summary="One market", response=responses.Market, errors=(400, 404)),
    markets.get_market_trade_events: Operation(
        summary="A market's recent trades, newest first", response=list[responses.MarketTradeEvent], errors=(400, 404)
    ),
    markets.get_simplified_markets: Operation(
        summary="Simplified markets", query=(_CURSOR,), response=responses.SimplifiedMarketsPage, errors=(400,)
    ),
    markets.get_sampling_markets: Operation(
        summary="Markets that accept orders", query=(_CURSOR,), response=responses.MarketsPage, errors=(400,)
    ),
    markets.get_sampling_simplified_markets: Operation(
        summary="Simplified markets that accept orders",
        query=(_CURSOR,),
        response=responses.SimplifiedMarketsPage,
        errors=(400,),
    ),
    clob_markets.get_clob_market: Operation(
        summary="A market's compact details (V2 clients)", response=responses.MarketDetails, errors=(400, 404)
    ),
    clob_markets.get_market_by_token: Operation(
        summary="The market of a token", response=responses.MarketByToken, errors=(400, 404)
    ),
    # builders (public)
    builders.get_builder_trades: Operation(
        summary="Trades of orders that carried a builder code",
        query=(
            Param(
                name="builder_code",
                description="The builder code (bytes32, not zero).",
                required=True,
                pattern=builders.BUILDER_CODE.pattern,
            ),
            *_TRADE_FILTERS,
        ),
        response=responses.BuilderTradesPage,
        errors=(400,),
    ),
    builders.get_builder_fees: Operation(
        summary="A builder's fee rates (always 0)", response=responses.BuilderFees, errors=(400,)
    ),
    # Gamma and Data API subsets (public)
    gamma.get_markets: Operation(
        summary="Gamma markets, filtered, ordered and paged",
        query=_GAMMA_MARKET_FILTERS,
        response=list[discovery_responses.GammaMarket],
        errors=(400,),
    ),
    gamma.get_market: Operation(
        summary="One Gamma market by id", response=discovery_responses.GammaMarket, errors=(400, 404)
    ),
    gamma.get_market_by_slug: Operation(
        summary="One Gamma market by slug", response=discovery_responses.GammaMarket, errors=(404,)
    ),
    gamma.get_events: Operation(
        summary="Gamma events with their markets, filtered, ordered and paged",
        query=_GAMMA_EVENT_FILTERS,
        response=list[discovery_responses.GammaEvent],
        errors=(400,),
    ),
    gamma.get_event: Operation(
        summary="One Gamma event by id", response=discovery_responses.GammaEvent, errors=(400, 404)
    ),
    gamma.get_event_by_slug: Operation(
        summary="One Gamma event by slug", response=discovery_responses.GammaEvent, errors=(404,)
    ),
    gamma.get_tags: Operation(
        summary="Gamma tags (none)",
        query=(_GAMMA_LIMIT, _GAMMA_OFFSET),
        response=list[discovery_responses.GammaTag],
        errors=(400,),
    ),
    data_api.get_positions: Operation(
        summary="An address's positions with average price and PnL",
        query=(
            _USER,
            _DATA_MARKET,
            Param(name="sizeThreshold", description="Only positions of at least this many shares (default 1)."),
            Param(name="redeemable", description="Only (not) redeemable positions.", enum=_BOOL),
            Param(name="mergeable", description="Only (not) mergeable positions.", enum=_BOOL),
            Param(name="sortBy", description="Sort field (default TOKENS).", enum=data_api.SORT_FIELDS),
            _SORT_DIRECTION,
            _DATA_LIMIT,
            _DATA_OFFSET,
        ),
        response=list[discovery_responses.Position],
        errors=(400,),
    ),
    data_api.get_activity: Operation(
        summary="An address's activity: trades, splits and merges, newest first",
        query=(
            _USER,
            _DATA_MARKET,
            Param(name="type", description="Comma-separated activity types."),
            Param(name="side", description="Only this side of trades.", enum=("BUY", "SELL")),
            Param(name="start", description="Only from this time (unix seconds).", pattern=r"^\d+$"),
            Param(name="end", description="Only until this time (unix seconds).", pattern=r"^\d+$"),
            _SORT_DIRECTION,
            _DATA_LIMIT,
            _DATA_OFFSET,
        ),
        response=list[discovery_responses.Activity],
        errors=(400,),
    ),
    data_api.get_trades: Operation(
        summary="The public trade tape, newest first",
        query=(
            Param(name="user", description="Only this address's trades.", pattern=admin.ADDRESS.pattern),
            _DATA_MARKET,
            Param(name="takerOnly", description="Only the takers' rows (default true).", enum=_BOOL),
            _DATA_LIMIT,
            _DATA_OFFSET,
        ),
        response=list[discovery_responses.DataTrade],
        errors=(400,),
    ),
    data_api.get_value: Operation(
        summary="The current value of an address's positions",
        query=(_USER,),
        response=list[discovery_responses.PortfolioValue],
        errors=(400,),
    ),
}

PATH_PARAMS: dict[str, tuple[str, str]] = {
    "order_id": ("An order id: 0x and 64 hex digits.", trading.ORDER_ID.pattern),
    "condition_id": ("A market's condition id: 0x and 64 hex digits.", markets.CONDITION_ID.pattern),
    "token_id": ("A token id (decimal uint256).", TOKEN_ID_PATTERN),
    "builder_code": ("A builder code (bytes32).", builders.BUILDER_CODE.pattern),
    "address": ("An address: 0x and 40 hex digits.", admin.ADDRESS.pattern),
    "id": ("A fault rule's or a replay's id, or a Gamma market's or event's id.", r"^[0-9]{1,18}$"),
    "event_id": ("An event's id (decimal).", r"^[0-9]{1,18}$"),
    "slug": ("A Gamma market's or event's slug.", r"^.+$"),
    "name": ("A file of the web console (app.js, console.css...).", r"^[a-z]+\.(js|css|html)$"),
    "sim_id": ("A simulation's id.", r"^[0-9]{1,18}$"),
}
"""Description and pattern of each path parameter, by name."""
