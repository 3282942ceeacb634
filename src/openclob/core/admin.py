"""Operator commands: list, update and resolve markets, set the trading mode; and the dynamic tick.

A market is listed with its book; an update changes only the settings it names. Resolution cancels the
market's resting orders oldest first, then pays one collateral unit per winning token and zeroes both
tokens' balances. The trading mode gates orders (`_mode_refuses_order`, checked first on every order)
and cancels (DISABLED refuses them). The dynamic tick (see markets.py) is applied after every command
that touched a dynamic-tick market, and before a command that expiries ran ahead of.
"""

from __future__ import annotations

from operator import attrgetter

from openclob.core.amounts import LOT_UNITS, TICK_UNITS, format_units
from openclob.core.book import Book
from openclob.core.bounds import MAX_UNITS
from openclob.core.cancels import Cancels
from openclob.core.commands import CreateMarket, ResolveMarket, SetTradingMode, UpdateMarket
from openclob.core.events import MarketListed, MarketResolved, MarketUpdated, TickSizeChanged, TradingModeChanged
from openclob.core.markets import DYNAMIC_TICK_BASE_UNITS, Market
from openclob.core.modes import TradingMode
from openclob.core.orders import COLLATERAL, CancelReason
from openclob.core.rejects import Reject, Rejected, rejected
from openclob.core.results import Done, Result
from openclob.core.settlement import Settlement

MAX_FEE_RATE_BPS = 1000
"""The CTF exchange's maximum fee rate."""
MAX_FEE_EXPONENT = 4
"""The largest V2 fee exponent a market may have (Polymarket uses 1)."""


class Admin(Cancels, Settlement):
    """Markets, their resolution and ticks, and the trading mode."""

    # ------------------------------------------------------------------ markets

    def _create_market(self, cmd: CreateMarket) -> Result:
        if cmd.condition_id in self.markets:
            return rejected(Reject.MARKET_EXISTS, condition_id=cmd.condition_id)
        why = _market_definition_problem(cmd, self._market_of_token)
        if why is not None:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why=why)
        market = Market(
            condition_id=cmd.condition_id,
            token_ids=cmd.token_ids,
            outcomes=cmd.outcomes,
            tick_units=cmd.tick_units,
            listed_tick_units=cmd.tick_units,
            min_size_units=cmd.min_size_units,
            neg_risk=cmd.neg_risk,
            fee_rate_bps=cmd.fee_rate_bps,
            dynamic_tick=cmd.dynamic_tick,
            accepting_orders=cmd.accepting_orders,
            created_at_ms=cmd.now_ms,
            fee_exponent=cmd.fee_exponent,
        )
        self.markets[cmd.condition_id] = market
        for token_id in cmd.token_ids:
            self._market_of_token[token_id] = market
        self._books[cmd.condition_id] = Book(cmd.condition_id)
        self._events.append(MarketListed(condition_id=cmd.condition_id, token_ids=cmd.token_ids))
        return Done()

    def _update_market(self, cmd: UpdateMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
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
        self._events.append(MarketUpdated(condition_id=cmd.condition_id))
        return Done()

    def _resolve_market(self, cmd: ResolveMarket) -> Result:
        market = self.markets.get(cmd.condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.resolved:
            return rejected(Reject.MARKET_RESOLVED, condition_id=cmd.condition_id)
        if cmd.winning_token_id not in market.token_ids:
            return rejected(Reject.INVALID_MARKET_DEFINITION, why="the winner must be one of the market's tokens")
        # oldest first: acceptance order, as the orders came to rest
        resting = sorted(self._books[cmd.condition_id].orders(), key=attrgetter("sequence"))
        self._cancel_each([order.order_id for order in resting], CancelReason.MARKET_RESOLVED)
        market.winning_token_id = cmd.winning_token_id
        market.accepting_orders = False
        self._resolve_pending(market, cmd.winning_token_id)
        for token_id in market.token_ids:
            for address in self.ledger.holders(token_id):
                amount = self.ledger.zero(address, token_id)
                if token_id == cmd.winning_token_id:
                    self.ledger.credit(address, COLLATERAL, amount)
        self._events.append(MarketResolved(condition_id=cmd.condition_id, winning_token_id=cmd.winning_token_id))
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


def _market_definition_problem(cmd: CreateMarket, listed_tokens: dict[str, Market]) -> str | None:
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
