"""The messages of the link between the edges and the sequencer (frames.py frames them).

An edge sends `Submit`s; the sequencer sends one `Joined` first, then `Durable` and `Answered` frames
in the order it produced them:

- `Joined`: the exchange's state (core/snapshot.py) and the edge state as of journal entry `sequence`, taken
  between two batches and only when everything in memory is durable. Every batch after it follows as `Durable`.
- `Durable`: one durable batch (store/base.py's `Batch`: journalled commands, the edge's rows, the settlement
  reference; the events are left out, see `Durable`), sent to every edge, in journal order, encoded once for all.
- `Answered`: the receipts of one `Submit` (results only: the events went with `Durable`), in its commands'
  order, or the refusal of all of them. The
  `Durable` frames of the batches that stored those commands come before it, so an edge that applies every
  `Durable` before it reads an answer reads its own writes. `SubmitEdge` and `AnsweredEdge` do the same for
  one edge command (edge_commands.py: keys, wallet links, market words, tiers, notifications, the clock).
- `Sync` / `Synced`: a barrier. Frames to one edge go in order, so when an edge reads `Synced` it has taken in
  every batch the sequencer had published when the `Sync` came: a read that syncs first sees every change
  answered anywhere before it began (read-your-writes across edges, whichever edge a client reaches next).
- `Projected`: the query tables hold every journal entry up to `sequence` (an edge's reads of them wait for it).
- `MetricsAsked` / `MetricsTold`: GET /metrics, answered by the sequencer's process, asks every edge for its
  metric families and adds them up.
- `FaultRules`: the operator's fault rules in force (faults.py), after `Joined` and at each change. An edge
  answers `FaultsFired` when a new WebSocket rule fired on its open sockets, and always when the message has a
  `request_id` (a barrier: the sequencer's process then knows every firing the earlier rules caused).
"""

from __future__ import annotations

import enum

import msgspec

from openclob.core import Command
from openclob.edge_commands import ClockMoved, EdgeCommand, KeyCreated, Refused
from openclob.faults import Active
from openclob.metrics import Family
from openclob.service import Overloaded, Receipt, Recovering, ServiceUnavailable
from openclob.store.base import Batch
from openclob.store.records import ApiKeyRecord, ClockRecord, MarketInfoRecord, RateLimitTierRecord, WalletLinkRecord


class Submit(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: apply these commands in this order (as `Service.submit_many`)."""

    request_id: int
    commands: list[Command]


class SubmitEdge(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: apply this edge command (as `Service.submit_edge`)."""

    request_id: int
    command: EdgeCommand


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

    @classmethod
    def of(cls, error: Exception) -> Refusal | None:
        """The refusal of one of the exceptions `Service` raises (`error` inverts it); None for any other."""
        for kind, raised in _ERRORS.items():
            if isinstance(error, raised):
                return cls(kind, str(error))
        return None


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


class AnsweredEdge(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to one edge: the outcome of its `SubmitEdge` `request_id`: the command's result, or a refusal."""

    request_id: int
    result: KeyCreated | ClockMoved | Refused | None = None
    refusal: Refusal | None = None


class Sync(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: answer `Synced` (after every batch published before it)."""

    request_id: int


class Synced(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to one edge: every batch published before the `Sync` `request_id` came has been sent before this."""

    request_id: int


class Projected(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to every edge: the query tables hold every journal entry up to `sequence`."""

    sequence: int


class FaultRules(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to every edge: the fault rules in force now (`request_id` non-zero: answer with `FaultsFired`)."""

    rules: list[Active]
    request_id: int = 0


class FaultsFired(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: how often each rule fired on this edge's sockets as it took in a `FaultRules`."""

    fired: dict[int, int]
    request_id: int = 0


class MetricsAsked(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to every edge: send your metrics (GET /metrics is being answered)."""

    request_id: int


class MetricsTold(msgspec.Struct, frozen=True, tag=True):
    """Edge to sequencer: its metric families, for `MetricsAsked` `request_id`."""

    request_id: int
    families: list[Family]


class Durable(msgspec.Struct, frozen=True, tag=True):
    """Sequencer to every edge: a batch that is durable, as the Service's listeners see it, without the events of
    its entries: each edge's replica gets them again by applying the commands (the core is deterministic), which
    costs less than decoding them; `event_counts` (one per entry) is the check that it did."""

    batch: Batch
    event_counts: list[int]


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


EdgeMessage = Submit | SubmitEdge | FaultsFired | MetricsTold | Sync
"""What an edge sends."""
SequencerMessage = Joined | Durable | Answered | AnsweredEdge | Projected | FaultRules | MetricsAsked | Synced
"""What the sequencer sends."""
