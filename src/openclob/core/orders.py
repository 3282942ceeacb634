"""Order vocabulary and the live state of an accepted order.

An order is kept in two price frames. `price_units` is the order's own price, in the token it trades.
`book_price_units` is the same order seen in the market's one book, which is kept in first-token terms:
BUY first at p is a bid at p, SELL first at p an ask at p, BUY second at q an ask at 1-q, SELL second
at q a bid at 1-q.
"""

from __future__ import annotations

import enum

import msgspec

from openclob.core.amounts import UNIT
from openclob.core.modes import OrderStatus


class Side(enum.Enum):
    """Which way an order trades its token."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(enum.Enum):
    """Time in force, as Polymarket names it."""

    GTC = "GTC"
    GTD = "GTD"
    FOK = "FOK"
    FAK = "FAK"


class BookSide(enum.Enum):
    """A side of the market's one book, in first-token terms."""

    BID = "BID"
    ASK = "ASK"


class CancelReason(enum.Enum):
    """Why an order left the book without being matched."""

    USER = "user"
    EXPIRED = "expired"
    KILLED = "killed"
    SELF_TRADE = "self_trade"
    HEARTBEAT = "heartbeat"
    MARKET_RESOLVED = "market_resolved"
    MARKET_CLOSED = "market_closed"


# Hot paths compare against these module constants: in Python 3.11 reading a member from its enum class
# (`Side.BUY`) runs Python code (enum members are class properties), a global read does not.
BUY, SELL = Side.BUY, Side.SELL
BID, ASK = BookSide.BID, BookSide.ASK
GTC, GTD, FOK, FAK = OrderType.GTC, OrderType.GTD, OrderType.FOK, OrderType.FAK


def book_side_of(side: Side, token_index: int) -> BookSide:
    """Return where an order of `side` on token `token_index` sits in the first-token book."""
    buys_first = (side is BUY) == (token_index == 0)
    return BID if buys_first else ASK


def to_book_price(price_units: int, token_index: int) -> int:
    """Convert a price in the order's token to first-token terms (and back: the map is its own inverse)."""
    return price_units if token_index == 0 else UNIT - price_units


class Order(msgspec.Struct, gc=False, array_like=True):
    """An accepted order and what is left of it. Mutated only by the exchange. Encoded (in snapshots only) as an
    array of its fields: reordering or inserting one is a new snapshot format (core/snapshot.py)."""

    order_id: str
    owner: str
    maker: str
    signer: str
    condition_id: str
    token_id: str
    token_index: int
    side: Side
    book_side: BookSide
    order_type: OrderType
    post_only: bool
    price_units: int
    book_price_units: int
    size_units: int
    maker_amount: int
    taker_amount: int
    fee_rate_bps: int
    expiration: int
    created_at_ms: int
    sequence: int
    matched_units: int = 0
    reserved_units: int = 0
    status: OrderStatus = OrderStatus.LIVE
    cancel_reason: CancelReason | None = None
    builder_code: str = ""

    @property
    def remaining_units(self) -> int:
        """Shares still open."""
        return self.size_units - self.matched_units

    @property
    def reserved_asset(self) -> str:
        """What the order spends: collateral for a BUY, its token for a SELL."""
        return COLLATERAL if self.side is BUY else self.token_id


COLLATERAL = "COLLATERAL"
"""The ledger's name for the collateral asset."""
