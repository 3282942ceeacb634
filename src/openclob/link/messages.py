"""The messages of the link between the edges and the sequencer (frames.py frames them).

An edge sends `Submit`s; the sequencer sends one `Joined` first, then `Durable` and `Answered` frames
in the order it produced them:

- `Joined`: the exchange's state (core/snapshot.py) and the edge state as of journal entry `sequence`, taken
  between two batches and only when everything in memory is durable. Every batch after it follows as `Durable`.
- `Durable`: one durable batch (store/base.py's `Batch`: journalled commands with their events, the edge's
  rows, the settlement reference), sent to every edge, in journal order, encoded once for all of them.
- `Answered`: the receipts of one `Submit`, in its commands' order, or the refusal of all of them. The
  `Durable` frames of the batches that stored those commands come before it, so an edge that applies every
  `Durable` before it reads an answer reads its own writes.
"""

from __future__ import annotations

import enum

import msgspec

from openclob.core import Command
from openclob.service import Overloaded, Receipt, Recovering, ServiceUnavailable
from openclob.store.base import Batch
from openclob.store.records import ApiKeyRecord, ClockRecord, MarketInfoRecord, RateLimitTierRecord, WalletLinkRecord


class Submit(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: apply these commands in this order (as `Service.submit_many`)."""

    request_id: int
    commands: list[Command]


class RefusalKind(enum.Enum):
    """Why the sequencer applied none of a `Submit`'s commands: one kind per exception `Service` raises."""

    OVERLOADED = "overloaded"
    RECOVERING = "recovering"
    UNAVAILABLE = "unavailable"


class Refusal(msgspec.Struct, frozen=True):
    """A refused `Submit`: its kind and the exception's message."""

    kind: RefusalKind
    message: str

    def error(self) -> Exception:
        """The exception `Service` raised for it, for the edge to raise in turn."""
        return _ERRORS[self.kind](self.message)


_ERRORS: dict[RefusalKind, type[Exception]] = {
    RefusalKind.OVERLOADED: Overloaded,
    RefusalKind.RECOVERING: Recovering,
    RefusalKind.UNAVAILABLE: ServiceUnavailable,
}


class Answered(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to one edge: the outcome of its `Submit` `request_id`: receipts, or a refusal."""

    request_id: int
    receipts: list[Receipt] = msgspec.field(default_factory=list)
    refusal: Refusal | None = None


class Durable(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to every edge: a batch that is durable, as the Service's listeners see it."""

    batch: Batch


class Joined(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to a new edge, once: where its read model starts (see `Replica`)."""

    sequence: int
    """The journal entry the state is as of; the first `Durable` with entries starts right after it."""
    state: bytes
    """`export_state` of the sequencer's exchange."""
    known_orders: dict[str, str]
    """order id -> owner of every order accepted (`restore` needs them)."""
    clock: ClockRecord
    clock_ms: int
    """The latest time the exchange used: the edge's clock never reads earlier."""
    api_keys: list[ApiKeyRecord]
    wallet_links: list[WalletLinkRecord]
    market_infos: list[MarketInfoRecord]
    rate_limit_tiers: list[RateLimitTierRecord]


EdgeMessage = Submit
"""What an edge sends."""
SequencerMessage = Joined | Durable | Answered
"""What the sequencer sends."""
