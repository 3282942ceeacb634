"""Binary markets: a condition with two outcome tokens, and the dynamic tick rule.

Dynamic tick (Polymarket's rule, on by default): a market listed with tick 0.01 moves to 0.001 while it
trades or quotes outside [0.04, 0.96] in first-token terms (best bid above 0.96, best ask below 0.04, or
last trade outside that band) and back to 0.01 when all three are inside again. Resting orders keep
their prices either way.
"""

from __future__ import annotations

import msgspec

DYNAMIC_TICK_BASE_UNITS = 10_000
DYNAMIC_TICK_FINE_UNITS = 1_000
DYNAMIC_TICK_HIGH_UNITS = 960_000
DYNAMIC_TICK_LOW_UNITS = 40_000


class EventGroup(msgspec.Struct):
    """An event: markets listed together, one per outcome. Mutated only by the exchange.

    In a neg-risk event `converted_units` counts every amount converted (core/lifecycle.py): each conversion
    burns that many NO tokens of every one of its markets, which the conservation rule must know.
    """

    event_id: str
    title: str
    slug: str
    description: str
    neg_risk: bool
    neg_risk_market_id: str
    condition_ids: tuple[str, ...]
    created_at_ms: int
    converted_units: int = 0


class Market(msgspec.Struct):
    """A listed market and its settings. Mutated only by the exchange."""

    condition_id: str
    token_ids: tuple[str, str]
    outcomes: tuple[str, str]
    tick_units: int
    listed_tick_units: int
    min_size_units: int
    neg_risk: bool
    fee_rate_bps: int
    dynamic_tick: bool
    accepting_orders: bool
    created_at_ms: int
    winning_token_id: str | None = None
    last_trade_price_units: int | None = None
    """Last trade price in first-token terms."""
    fee_exponent: int = 1
    """The exponent e of the V2 taker fee shares * r * (p * (1 - p)) ** e, with r = fee_rate_bps / 10_000."""
    end_ms: int | None = None
    """The end date (unix ms), if any: the market closes then unless `close_at_end` is off."""
    close_at_end: bool = True
    closed: bool = False
    """Closed at its end date (or resolved): no orders, none open. Splits and merges go on until resolution."""
    event_id: str | None = None
    """The event the market is an outcome of, if any."""

    @property
    def resolved(self) -> bool:
        """Whether the market has been resolved."""
        return self.winning_token_id is not None

    def token_index(self, token_id: str) -> int:
        """Return 0 for the first outcome token, 1 for the second."""
        return 0 if token_id == self.token_ids[0] else 1

    def wanted_tick(self, best_bid: int | None, best_ask: int | None) -> int:
        """Return the tick the market should have given its book and last trade."""
        if not self.dynamic_tick or self.listed_tick_units != DYNAMIC_TICK_BASE_UNITS:
            return self.tick_units
        extreme = (
            (best_bid is not None and best_bid > DYNAMIC_TICK_HIGH_UNITS)
            or (best_ask is not None and best_ask < DYNAMIC_TICK_LOW_UNITS)
            or (
                self.last_trade_price_units is not None
                and not DYNAMIC_TICK_LOW_UNITS <= self.last_trade_price_units <= DYNAMIC_TICK_HIGH_UNITS
            )
        )
        return DYNAMIC_TICK_FINE_UNITS if extreme else DYNAMIC_TICK_BASE_UNITS
