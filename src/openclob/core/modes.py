"""Trading modes and order statuses, with their transitions kept as data.

House rules: the operator may move between any two trading modes (an exchange must be able to halt
from any state and resume from any state). An order is LIVE until it is fully MATCHED or CANCELED
(by its owner, a market cancel, expiry, a killed FOK/FAK remainder, a missed heartbeat or resolution);
both end states are final. A trade is MATCHED when it happens, MINED after the settlement delay and
CONFIRMED after as long again (core/settlement.py); CONFIRMED is final.
"""

from __future__ import annotations

import enum


class TradingMode(enum.Enum):
    """What the exchange accepts right now."""

    NORMAL = "normal"
    CANCEL_ONLY = "cancel-only"
    DISABLED = "disabled"
    POST_ONLY = "post-only"


NORMAL, DISABLED = TradingMode.NORMAL, TradingMode.DISABLED
"""The modes checked on every order and cancel, as module constants (in Python 3.11 reading a member
from its enum class runs Python code; a global read does not)."""

MODE_TRANSITIONS: dict[TradingMode, frozenset[TradingMode]] = {
    mode: frozenset(TradingMode) - {mode} for mode in TradingMode
}


class OrderStatus(enum.Enum):
    """An order's status as the wire spells it in /data/orders and on the WebSocket."""

    LIVE = "LIVE"
    MATCHED = "MATCHED"
    CANCELED = "CANCELED"


LIVE, MATCHED, CANCELED = OrderStatus.LIVE, OrderStatus.MATCHED, OrderStatus.CANCELED
"""Statuses as module constants, for the hot paths (see orders.BUY)."""

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.LIVE: frozenset({OrderStatus.MATCHED, OrderStatus.CANCELED}),
    OrderStatus.MATCHED: frozenset(),
    OrderStatus.CANCELED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Return whether an order may move from `current` to `target`."""
    return target in ORDER_TRANSITIONS[current]


class TradeStatus(enum.Enum):
    """A trade's settlement status as the wire spells it in /data/trades and on the WebSocket."""

    MATCHED = "MATCHED"
    MINED = "MINED"
    CONFIRMED = "CONFIRMED"


TRADE_TRANSITIONS: dict[TradeStatus, frozenset[TradeStatus]] = {
    TradeStatus.MATCHED: frozenset({TradeStatus.MINED}),
    TradeStatus.MINED: frozenset({TradeStatus.CONFIRMED}),
    TradeStatus.CONFIRMED: frozenset(),
}
"""Settlement moves one step at a time, never back (Polymarket's RETRYING and FAILED never happen here)."""


class ProceedsAvailableAt(enum.Enum):
    """When what a fill delivers (tokens bought, collateral from a sale) becomes spendable."""

    MATCHED = "matched"
    """At once, with the fill."""
    MINED = "mined"
    """When the trade is MINED, a settlement delay after the fill (what it takes is still taken at once)."""
