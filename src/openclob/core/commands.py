"""Commands: everything the exchange can be asked to do, as plain frozen values.

Every command carries `now_ms`, the time the sequencer stamped on it; the core never reads a clock.
Addresses are lowercase 0x hex; token ids are decimal strings; amounts are integer 1e-6 units.
"""

from __future__ import annotations

import msgspec

from openclob.core.modes import ProceedsAvailableAt, TradingMode
from openclob.core.orders import OrderType, Side


class _Command(msgspec.Struct, frozen=True, kw_only=True, tag=True, gc=False):
    """Base of every command: tagged with its class name, so a journal can decode any of them."""


class CreateMarket(_Command, frozen=True, kw_only=True):
    """List a binary market. Tick and minimum size are in 1e-6 units (0.01 -> 10_000; 5 shares -> 5_000_000)."""

    now_ms: int
    condition_id: str
    token_ids: tuple[str, str]
    outcomes: tuple[str, str] = ("Yes", "No")
    tick_units: int = 10_000
    min_size_units: int = 5_000_000
    neg_risk: bool = False
    fee_rate_bps: int = 0
    fee_exponent: int = 1
    """V2 taker fees: shares * fee_rate_bps / 10_000 * (p * (1 - p)) ** fee_exponent."""
    dynamic_tick: bool = True
    accepting_orders: bool = True
    end_ms: int | None = None
    """The market's end date (unix ms): on the exchange's clock it then closes, unless `close_at_end` is off."""
    close_at_end: bool = True


class CreateEvent(_Command, frozen=True, kw_only=True):
    """List an event: several binary markets (one per outcome, YES first) listed together, or none.

    A neg-risk event links them as Polymarket's NegRiskAdapter does: exactly one outcome can win, and NO shares
    of some outcomes convert into collateral plus YES shares of the others (`ConvertPositions`). Its outcomes are
    fixed at listing. `neg_risk_market_id` is the adapter's market id the CLOB markets show.
    """

    now_ms: int
    event_id: str
    title: str
    slug: str
    description: str = ""
    neg_risk: bool
    neg_risk_market_id: str = ""
    markets: tuple[CreateMarket, ...]


class ConvertPositions(_Command, frozen=True, kw_only=True):
    """NegRiskAdapter.convertPositions: `amount` NO shares of each outcome in `index_set` (bit i = the event's
    i-th market) become (k - 1) * amount collateral, k the outcomes in the set, and `amount` YES shares of each
    other outcome."""

    now_ms: int
    address: str
    event_id: str
    index_set: int
    amount: int


class Redeem(_Command, frozen=True, kw_only=True):
    """Redeem `address`'s free tokens of a resolved market: one collateral unit per winning token, the losers
    burned for nothing (CTF redeemPositions: the whole balance, once)."""

    now_ms: int
    address: str
    condition_id: str


class UpdateMarket(_Command, frozen=True, kw_only=True):
    """Change a market's settings; `None` leaves a setting as it is."""

    now_ms: int
    condition_id: str
    accepting_orders: bool | None = None
    tick_units: int | None = None
    min_size_units: int | None = None
    end_ms: int | None = None
    close_at_end: bool | None = None


class ResolveMarket(_Command, frozen=True, kw_only=True):
    """Resolve a market: cancel its orders and make its winning token redeemable (`Redeem`).

    With `redeem_now` (`openclob serve --auto-redeem`, and every journal written before redemption existed)
    every holder is redeemed at once. In a neg-risk event a YES winner resolves the event's other open markets
    NO in the same command; a NO winner needs another outcome left open to win.
    """

    now_ms: int
    condition_id: str
    winning_token_id: str
    redeem_now: bool = True


class PlaceOrder(_Command, frozen=True, kw_only=True):
    """A signed order, already authenticated and signature-checked at the edge.

    `order_id` is the order's EIP-712 digest. `fee_rate_bps` is the signed V1 fee rate, or None for a
    V2 order, which carries none: it pays the market's V2 taker fee when it takes and nothing when it
    rests. `builder_code` is the V2 order's bytes32 builder code as 0x hex ("" for none); the core only
    carries it to the trades.
    """

    now_ms: int
    order_id: str
    owner: str
    maker: str
    signer: str
    token_id: str
    side: Side
    maker_amount: int
    taker_amount: int
    expiration: int = 0
    fee_rate_bps: int | None = 0
    order_type: OrderType = OrderType.GTC
    post_only: bool = False
    builder_code: str = ""


class CancelOrders(_Command, frozen=True, kw_only=True):
    """Cancel the listed orders of `owner` (one id for DELETE /order)."""

    now_ms: int
    owner: str
    order_ids: tuple[str, ...]


class CancelAll(_Command, frozen=True, kw_only=True):
    """Cancel every open order of `owner`."""

    now_ms: int
    owner: str


class CancelMarketOrders(_Command, frozen=True, kw_only=True):
    """Cancel `owner`'s open orders in a market and/or asset; None means "any" for that field.

    Both given means both must match; neither given cancels nothing.
    """

    now_ms: int
    owner: str
    condition_id: str | None = None
    token_id: str | None = None


class AdvanceTime(_Command, frozen=True, kw_only=True):
    """Let time pass: expire GTD orders and enforce missed heartbeats up to `now_ms`."""

    now_ms: int


class Heartbeat(_Command, frozen=True, kw_only=True):
    """`owner` is alive; if no heartbeat follows within `timeout_ms`, all of its orders are cancelled."""

    now_ms: int
    owner: str
    timeout_ms: int


class Deposit(_Command, frozen=True, kw_only=True):
    """Credit `address` with collateral (operator only)."""

    now_ms: int
    address: str
    amount: int


class Withdraw(_Command, frozen=True, kw_only=True):
    """Take free collateral out of `address` (operator only); more than is free is refused."""

    now_ms: int
    address: str
    amount: int


class Split(_Command, frozen=True, kw_only=True):
    """Turn `amount` of free collateral into `amount` of each outcome token of a market."""

    now_ms: int
    address: str
    condition_id: str
    amount: int


class Merge(_Command, frozen=True, kw_only=True):
    """Turn `amount` pairs of a market's outcome tokens back into collateral."""

    now_ms: int
    address: str
    condition_id: str
    amount: int


class SetTradingMode(_Command, frozen=True, kw_only=True):
    """Switch the exchange's trading mode."""

    now_ms: int
    mode: TradingMode


class ConfigureSettlement(_Command, frozen=True, kw_only=True):
    """Set how trades settle from now on: `delay_ms` from MATCHED to MINED (and again to CONFIRMED), and when a
    fill's proceeds become spendable. Trades already matched keep the settlement they got."""

    now_ms: int
    delay_ms: int
    proceeds_available_at: ProceedsAvailableAt = ProceedsAvailableAt.MATCHED


class SetLiquidity(_Command, frozen=True, kw_only=True):
    """Set what a liquidity account (a replay's) rests at levels of a market's one book, in one command.

    Each level is (is_bid, price_units, size_units) in first-token terms. The account's orders at that level are
    cancelled and, when size_units > 0, one BUY of that size is placed there: a bid buys the first token at the
    price, an ask the second token at 1 - price. It must be on the market's tick and in whole lots, but may be
    below the market's minimum size (recorded levels often are). What the account lacks to pay for it is deposited
    first (the operator's mint). Levels apply in order; one the exchange refuses (off the tick, trading paused)
    is skipped, and `SetLiquidity` itself is never refused but for an unknown market.
    """

    now_ms: int
    address: str
    condition_id: str
    levels: tuple[tuple[bool, int, int], ...]


Command = (
    CreateMarket
    | CreateEvent
    | ConvertPositions
    | Redeem
    | UpdateMarket
    | ResolveMarket
    | PlaceOrder
    | CancelOrders
    | CancelAll
    | CancelMarketOrders
    | AdvanceTime
    | Heartbeat
    | Deposit
    | Withdraw
    | Split
    | Merge
    | SetTradingMode
    | ConfigureSettlement
    | SetLiquidity
)
