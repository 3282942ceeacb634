"""Trading modes and order statuses, with their transitions kept as data.

House rules: the operator may move between any two trading modes (an exchange must be able to halt
from any state and resume from any state). An order is LIVE until it is fully MATCHED or CANCELED
(by its owner, a market cancel, expiry, a killed FOK/FAK remainder, a missed heartbeat or resolution);
both end states are final.
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
