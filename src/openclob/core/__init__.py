"""The deterministic exchange core: commands in, results and events out, no I/O."""

from __future__ import annotations

from openclob.core.amounts import LOT_UNITS, UNIT
from openclob.core.commands import (
    AdvanceTime,
    CancelAll,
    CancelMarketOrders,
    CancelOrders,
    Command,
    CreateMarket,
    Deposit,
    Heartbeat,
    Merge,
    PlaceOrder,
    ResolveMarket,
    SetTradingMode,
    Split,
    UpdateMarket,
    Withdraw,
)
from openclob.core.events import (
    BalanceChanged,
    BookLevelChanged,
    Event,
    MakerFill,
    MarketListed,
    MarketResolved,
    MarketUpdated,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    TickSizeChanged,
    Trade,
    TradingModeChanged,
)
from openclob.core.exchange import Exchange
from openclob.core.ledger import FEE_ACCOUNT
from openclob.core.modes import OrderStatus, TradingMode
from openclob.core.orders import COLLATERAL, BookSide, CancelReason, OrderType, Side
from openclob.core.rejects import MESSAGES, Reject, Rejected
from openclob.core.results import Applied, Canceled, Done, OrderPlaced, Result
from openclob.core.state import InvariantViolation

__all__ = [
    "COLLATERAL",
    "FEE_ACCOUNT",
    "LOT_UNITS",
    "MESSAGES",
    "UNIT",
    "AdvanceTime",
    "Applied",
    "BalanceChanged",
    "BookLevelChanged",
    "BookSide",
    "CancelAll",
    "CancelMarketOrders",
    "CancelOrders",
    "CancelReason",
    "Canceled",
    "Command",
    "CreateMarket",
    "Deposit",
    "Done",
    "Event",
    "Exchange",
    "Heartbeat",
    "InvariantViolation",
    "MakerFill",
    "MarketListed",
    "MarketResolved",
    "MarketUpdated",
    "Merge",
    "OrderAccepted",
    "OrderCanceled",
    "OrderFilled",
    "OrderPlaced",
    "OrderStatus",
    "OrderType",
    "PlaceOrder",
    "Reject",
    "Rejected",
    "ResolveMarket",
    "Result",
    "SetTradingMode",
    "Side",
    "Split",
    "TickSizeChanged",
    "Trade",
    "TradingMode",
    "TradingModeChanged",
    "UpdateMarket",
    "Withdraw",
]
