"""Funds: deposits and withdrawals of collateral, and splits and merges of a market's token pairs.

A split turns collateral into one of each of a market's two tokens, a merge turns a pair back into
collateral: both keep the conservation rule (deposits - withdrawals = collateral held + outstanding
pairs). Only free amounts move; what open orders reserve is never touched. Deposits stop at
`bounds.MAX_SUPPLY_UNITS` of collateral ever deposited, which bounds every other amount (see bounds.py).
"""

from __future__ import annotations

from openclob.core.amounts import format_units
from openclob.core.bounds import MAX_SUPPLY_UNITS
from openclob.core.commands import Deposit, Merge, Split, Withdraw
from openclob.core.events import PositionsMerged, PositionsSplit
from openclob.core.markets import Market
from openclob.core.orders import COLLATERAL
from openclob.core.rejects import Reject, Rejected, rejected
from openclob.core.results import Done, Result
from openclob.core.state import State


class Funds(State):
    """Collateral in and out, and token pairs made and unmade."""

    def _deposit(self, cmd: Deposit) -> Result:
        if cmd.amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="a deposit must be positive")
        if self.ledger.deposited_units + cmd.amount > MAX_SUPPLY_UNITS:
            return rejected(Reject.SUPPLY_LIMIT, maximum=format_units(MAX_SUPPLY_UNITS))
        self.ledger.deposit(cmd.address, cmd.amount)
        return Done()

    def _withdraw(self, cmd: Withdraw) -> Result:
        if cmd.amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="a withdrawal must be positive")
        if not self.ledger.withdraw(cmd.address, cmd.amount):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        return Done()

    def _split(self, cmd: Split) -> Result:
        market = self._market_for_conversion(cmd.condition_id, cmd.amount)
        if isinstance(market, Rejected):
            return market
        if not self.ledger.debit(cmd.address, COLLATERAL, cmd.amount):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        for token_id in market.token_ids:
            self.ledger.credit(cmd.address, token_id, cmd.amount)
        self._events.append(PositionsSplit(address=cmd.address, condition_id=cmd.condition_id, amount_units=cmd.amount))
        return Done()

    def _merge(self, cmd: Merge) -> Result:
        market = self._market_for_conversion(cmd.condition_id, cmd.amount)
        if isinstance(market, Rejected):
            return market
        if any(self.ledger.free(cmd.address, t) < cmd.amount for t in market.token_ids):
            return rejected(Reject.NOT_ENOUGH_BALANCE)
        for token_id in market.token_ids:
            self.ledger.debit(cmd.address, token_id, cmd.amount)
        self.ledger.credit(cmd.address, COLLATERAL, cmd.amount)
        self._events.append(
            PositionsMerged(address=cmd.address, condition_id=cmd.condition_id, amount_units=cmd.amount)
        )
        return Done()

    def _market_for_conversion(self, condition_id: str, amount: int) -> Market | Rejected:
        market = self.markets.get(condition_id)
        if market is None:
            return rejected(Reject.MARKET_NOT_FOUND)
        if market.resolved:
            return rejected(Reject.MARKET_RESOLVED, condition_id=condition_id)
        if amount <= 0:
            return rejected(Reject.INVALID_AMOUNT, why="the amount must be positive")
        return market
