"""Results: the answer to the caller of a command, beside the events it produced."""

from __future__ import annotations

from dataclasses import dataclass, field

from openclob.core.events import Event
from openclob.core.modes import OrderStatus
from openclob.core.rejects import Rejected


@dataclass(frozen=True, slots=True)
class OrderPlaced:
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


@dataclass(frozen=True, slots=True)
class Canceled:
    """Which orders a cancel took off the book, and why the others were not."""

    canceled: tuple[str, ...]
    not_canceled: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Done:
    """A command that succeeded and has nothing more to say."""


Result = OrderPlaced | Canceled | Done | Rejected


@dataclass(frozen=True, slots=True)
class Applied:
    """What `Exchange.apply` returns: the result for the caller and the events for everyone else."""

    result: Result
    events: list[Event]
