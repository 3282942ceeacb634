"""Results: the answer to the caller of a command, beside the events it produced.

Each result is tagged with its class name, so that an `Applied` can be encoded and decoded (link/ carries the
answers from the sequencer to the edges).
"""

from __future__ import annotations

import msgspec

from openclob.core.events import Event
from openclob.core.modes import OrderStatus
from openclob.core.rejects import Rejected


class OrderPlaced(msgspec.Struct, frozen=True, gc=False, tag=True):
    """An accepted order: what it matched at once and where it stands now.

    `making_units`/`taking_units` are what the taker gave and received in the immediate match (the
    received amount net of fees); both 0 when nothing matched.
    """

    order_id: str
    status: OrderStatus
    matched_units: int
    making_units: int
    taking_units: int
    trade_ids: tuple[str, ...]

    @property
    def wire_status(self) -> str:
        """POST /order's lowercase status: "matched" if anything matched at placement, else "live"."""
        return "matched" if self.matched_units else "live"


class Canceled(msgspec.Struct, frozen=True, gc=False, tag=True):
    """Which orders a cancel took off the book, and why the others were not."""

    canceled: tuple[str, ...]
    not_canceled: dict[str, str] = msgspec.field(default_factory=dict)


class Done(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A command that succeeded and has nothing more to say."""


class Converted(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A neg-risk conversion: the collateral it paid out (its tokens are in the event)."""

    collateral_units: int


class Redeemed(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A redemption: the collateral it paid (0 when there was nothing left to redeem)."""

    payout_units: int


Result = OrderPlaced | Canceled | Done | Converted | Redeemed | Rejected


class Applied(msgspec.Struct, frozen=True, gc=False):
    """What `Exchange.apply` returns: the result for the caller and the events for everyone else."""

    result: Result
    events: list[Event]
