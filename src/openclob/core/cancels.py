"""Cancels: the three cancel commands, and the one way an order leaves the book unmatched.

`_cancel_resting` takes a resting order off its book and its indexes, releases what it still reserves
and reports it; user cancels, expiries, missed heartbeats and resolution all end an order through it.
A user cancel names the orders it could not cancel: "order not found" when the id is unknown or belongs
to another owner, "already canceled or matched" when the order has left the book.
"""

from __future__ import annotations

from collections.abc import Iterable

from openclob.core.commands import CancelAll, CancelMarketOrders, CancelOrders
from openclob.core.events import OrderCanceled
from openclob.core.modes import CANCELED, DISABLED
from openclob.core.orders import BID, BUY, COLLATERAL, CancelReason, Order
from openclob.core.rejects import Reject, rejected
from openclob.core.results import Canceled, Result
from openclob.core.state import State

BY_USER = CancelReason.USER
"""The reason of every user cancel, read as a global (see orders.BUY)."""
NOT_FOUND = "order not found"
ALREADY_CLOSED = "already canceled or matched"


class Cancels(State):
    """The cancel commands and the primitives that close an order without a match."""

    def _cancel_orders(self, cmd: CancelOrders) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        owner, owner_of, open_orders = cmd.owner, self._owner_of, self._open
        order_ids = cmd.order_ids
        if len(order_ids) == 1:  # the usual DELETE /order: the loop below, without its list and tuple
            order_id = order_ids[0]
            if owner_of.get(order_id) != owner:
                return Canceled((), {order_id: NOT_FOUND})
            order = open_orders.get(order_id)
            if order is None:
                return Canceled((), {order_id: ALREADY_CLOSED})
            self._cancel_resting(order, BY_USER)
            return Canceled((order_id,), {})
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        for order_id in dict.fromkeys(order_ids):  # deduplicated, first mention first
            if owner_of.get(order_id) != owner:
                not_canceled[order_id] = NOT_FOUND
                continue
            order = open_orders.get(order_id)
            if order is None:
                not_canceled[order_id] = ALREADY_CLOSED
            else:
                self._cancel_resting(order, BY_USER)
                canceled.append(order_id)
        return Canceled(tuple(canceled), not_canceled)

    def _cancel_all(self, cmd: CancelAll) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        ids = self._open_ids(cmd.owner)
        return Canceled(tuple(self._cancel_each(ids, BY_USER)))

    def _cancel_market_orders(self, cmd: CancelMarketOrders) -> Result:
        if self.mode is DISABLED:
            return rejected(Reject.TRADING_DISABLED)
        condition_id = cmd.condition_id
        if condition_id is None and cmd.token_id is not None:
            market = self._market_of_token.get(cmd.token_id)
            condition_id = None if market is None else market.condition_id
        if condition_id is None:
            return Canceled(())
        ids = list(self._by_owner.get(cmd.owner, {}).get(condition_id, {}))
        if cmd.token_id is not None:
            ids = [i for i in ids if self._open[i].token_id == cmd.token_id]
        return Canceled(tuple(self._cancel_each(ids, BY_USER)))

    # ------------------------------------------------------------------ primitives

    def _cancel_each(self, order_ids: Iterable[str], reason: CancelReason) -> list[str]:
        canceled = []
        open_orders = self._open
        for order_id in order_ids:
            self._cancel_resting(open_orders[order_id], reason)
            canceled.append(order_id)
        return canceled

    def _cancel_resting(self, order: Order, reason: CancelReason) -> None:
        # off the book and the indexes, then closed as _close_unmatched does, inline: every cancel comes here
        order_id, owner, condition_id = order.order_id, order.owner, order.condition_id
        level_size = self._books[condition_id].remove(order, order.size_units - order.matched_units)
        self._touched_levels[(condition_id, order.book_side is BID, order.book_price_units)] = level_size
        if self.markets[condition_id].dynamic_tick:
            self._touched_markets[condition_id] = None
        del self._open[order_id]
        del self._by_owner[owner][condition_id][order_id]
        if order.reserved_units:
            self.ledger.release(order.maker, COLLATERAL if order.side is BUY else order.token_id, order.reserved_units)
            order.reserved_units = 0
        order.status = CANCELED
        order.cancel_reason = reason
        self._events.append(
            # positional: order_id, owner, condition_id, token_id, reason, matched_units
            OrderCanceled(order_id, owner, condition_id, order.token_id, reason, order.matched_units)
        )

    def _close_unmatched(self, order: Order, reason: CancelReason) -> None:
        """End an order that never rested (a killed FOK/FAK rest, a self-trade): release and report it."""
        if order.reserved_units:
            self.ledger.release(order.maker, COLLATERAL if order.side is BUY else order.token_id, order.reserved_units)
            order.reserved_units = 0
        order.status = CANCELED
        order.cancel_reason = reason
        self._events.append(
            OrderCanceled(
                order_id=order.order_id,
                owner=order.owner,
                condition_id=order.condition_id,
                token_id=order.token_id,
                reason=reason,
                matched_units=order.matched_units,
            )
        )
