"""Settlement: every trade goes MATCHED -> MINED -> CONFIRMED on the exchange's time, and, with the settlement
lag on, what its fills delivered becomes spendable only once it is MINED.

A trade matched at t with the settlement delay d is due MINED at t + d and CONFIRMED at t + 2d. `_execute`
(exchange.py) pushes one entry per trade on the `_settlements` heap (a `state.SettlementStep`); a time advance
(clock.py) pops the entries due by its time, in time order with the expiries and heartbeat deadlines, and
`_settle_due` reports the step and pushes the next one. The delay and the proceeds policy are the exchange's
own settings (`ConfigureSettlement`, journalled like any command), so replay gives every trade the settlement
it had; a change applies to the trades matched after it.

With proceeds available at MINED, a fill still takes what it spends at once (out of the order's
reservation), but what it delivers (the tokens a BUY gets, the collateral of a SELL, net of fees) goes to
`_pending_proceeds` under its trade, outside the balances, until the MINED step credits it to the free
balances. Pending proceeds count in every conservation rule; a market resolved meanwhile turns its pending
winning tokens into pending collateral and drops the losing ones, as it does with balances.
"""

from __future__ import annotations

import heapq

from openclob.core.bounds import MAX_SETTLEMENT_DELAY_MS
from openclob.core.commands import ConfigureSettlement
from openclob.core.events import TradeStatusChanged
from openclob.core.markets import Market
from openclob.core.modes import ProceedsAvailableAt, TradeStatus
from openclob.core.orders import COLLATERAL
from openclob.core.rejects import Reject, rejected
from openclob.core.results import Done, Result
from openclob.core.state import State

MINED, CONFIRMED = TradeStatus.MINED, TradeStatus.CONFIRMED


class Settlement(State):
    """The settlement settings, the due steps of trades and the proceeds they release."""

    def _configure_settlement(self, cmd: ConfigureSettlement) -> Result:
        if not 0 <= cmd.delay_ms <= MAX_SETTLEMENT_DELAY_MS:
            return rejected(Reject.INVALID_SETTLEMENT, why=f"the delay must be 0 to {MAX_SETTLEMENT_DELAY_MS} ms")
        self._settlement_delay_ms = cmd.delay_ms
        self._proceeds_at_mined = cmd.proceeds_available_at is ProceedsAvailableAt.MINED
        return Done()

    def _settle_due(self) -> None:
        """Take the first settlement step off the heap (the caller saw it is due) and apply it."""
        due_ms, sequence, trade_id, delay_ms, mining = heapq.heappop(self._settlements)
        events = self._events
        if mining:
            credits = self._pending_proceeds.pop(trade_id, None)
            if credits:
                credit = self.ledger.credit
                for (address, asset), amount in credits.items():
                    if amount:  # (a V2 SELL's fee may take all of its proceeds)
                        credit(address, asset, amount)
            events.append(TradeStatusChanged(trade_id, MINED))
            if delay_ms:
                heapq.heappush(self._settlements, (due_ms + delay_ms, sequence, trade_id, delay_ms, False))
                return
        events.append(TradeStatusChanged(trade_id, CONFIRMED))  # (no delay: due now, as MINED was)

    def _resolve_pending(self, market: Market, winning_token_id: str) -> None:
        """A market is resolved: its pending winning tokens become pending collateral, its losing ones go."""
        tokens = market.token_ids
        for credits in self._pending_proceeds.values():
            for key in [key for key in credits if key[1] in tokens]:
                amount = credits.pop(key)
                if key[1] == winning_token_id:
                    collateral = (key[0], COLLATERAL)
                    credits[collateral] = credits.get(collateral, 0) + amount
