"""Operator commands: market settings, the trading mode; and the dynamic tick.

An update changes only the settings it names (listing, end dates, resolution: lifecycle.py). The trading mode
gates orders (`_mode_refuses_order`, checked first on every order) and cancels (DISABLED refuses them). The
dynamic tick (see markets.py) is applied after every command that touched a dynamic-tick market, and before a
command that expiries ran ahead of."""

from __future__ import annotations

from openclob.core.amounts import LOT_UNITS, TICK_UNITS, format_units
from openclob.core.bounds import MAX_UNITS
from openclob.core.cancels import Cancels
from openclob.core.commands import CreateMarket, SetTradingMode, UpdateMarket
from openclob.core.events import MarketUpdated, TickSizeChanged, TradingModeChanged
from openclob.core.markets import DYNAMIC_TICK_BASE_UNITS, Market
from openclob.core.modes import TradingMode
from openclob.core.rejects import Reject, Rejected, rejected
from openclob.core.results import Done, Result
from openclob.core.settlement import Settlement

MAX_FEE_RATE_BPS = 1000
"""The CTF exchange's maximum fee rate."""
MAX_FEE_EXPONENT = 4
"""The largest V2 fee exponent a market may have (Polymarket uses 1)."""


class Admin(Cancels, Settlement):
    """Market settings and ticks, and the trading mode."""

    # ------------------------------------------------------------------ markets

    def _change_market(self, market: Market, cmd: UpdateMarket) -> Result:
        """Apply an update's order settings (the end date is lifecycle.py's)."""
        if cmd.tick_units is not None and cmd.tick_units not in TICK_UNITS:
            return rejected(Reject.INVALID_TICK_SIZE, tick=format_units(cmd.tick_units))
        if cmd.min_size_units is not None and not _whole_lots_in_bounds(cmd.min_size_units):
            return rejected(Reject.INVALID_MARKET_DEFINITION, why=MIN_SIZE_RULE)
        if cmd.accepting_orders is not None:
            market.accepting_orders = cmd.accepting_orders
        if cmd.min_size_units is not None:
            market.min_size_units = cmd.min_size_units
        if cmd.tick_units is not None:
            market.listed_tick_units = cmd.tick_units
            self._set_tick(market, cmd.tick_units)
        self._events.append(MarketUpdated(condition_id=market.condition_id))
        return Done()

    # ------------------------------------------------------------------ modes and ticks

    def _set_trading_mode(self, cmd: SetTradingMode) -> Result:
        if cmd.mode is not self.mode:
            self._events.append(TradingModeChanged(old_mode=self.mode, new_mode=cmd.mode))
            self.mode = cmd.mode
        return Done()

    def _mode_refuses_order(self, post_only: bool) -> Rejected | None:
        mode = self.mode
        if mode is TradingMode.NORMAL:
            return None
        if mode is TradingMode.DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        if mode is TradingMode.CANCEL_ONLY:
            return rejected(Reject.TRADING_CANCEL_ONLY)
        return None if post_only else rejected(Reject.POST_ONLY_MODE)

    def _set_tick(self, market: Market, tick_units: int) -> None:
        if tick_units != market.tick_units:
            self._events.append(
                TickSizeChanged(
                    condition_id=market.condition_id,
                    token_ids=market.token_ids,
                    old_tick_units=market.tick_units,
                    new_tick_units=tick_units,
                )
            )
            market.tick_units = tick_units

    def _retick(self) -> None:
        """Apply the dynamic tick to the markets whose book or last trade changed."""
        for condition_id in self._touched_markets:
            market = self.markets[condition_id]
            if market.dynamic_tick and market.listed_tick_units == DYNAMIC_TICK_BASE_UNITS:
                book = self._books[condition_id]
                self._set_tick(market, market.wanted_tick(book.best_bid(), book.best_ask()))
        self._touched_markets.clear()


def market_definition_problem(cmd: CreateMarket, listed_tokens: dict[str, Market]) -> str | None:
    first, second = cmd.token_ids
    if first == second:
        return "the two token ids must differ"
    if first in listed_tokens or second in listed_tokens:
        return "a token id is already listed"
    if cmd.tick_units not in TICK_UNITS:
        return "tick size must be one of 0.1, 0.01, 0.001, 0.0001"
    if not _whole_lots_in_bounds(cmd.min_size_units):
        return MIN_SIZE_RULE
    if not 0 <= cmd.fee_rate_bps <= MAX_FEE_RATE_BPS:
        return f"fee rate must be between 0 and {MAX_FEE_RATE_BPS} bps"
    if not 1 <= cmd.fee_exponent <= MAX_FEE_EXPONENT:
        return f"fee exponent must be between 1 and {MAX_FEE_EXPONENT}"
    return None


MIN_SIZE_RULE = f"minimum order size must be whole lots of 0.01, at most {format_units(MAX_UNITS)}"


def _whole_lots_in_bounds(size_units: int) -> bool:
    return 0 < size_units <= MAX_UNITS and size_units % LOT_UNITS == 0
