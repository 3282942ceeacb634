"""The storage interface: a durable journal of commands plus query tables, behind one writer.

The sequencer is the only writer. It applies a batch of commands to the core, then hands the store one
`Batch` — the journalled commands with the events they produced, and the edge's own changes. `write`
stores the commands and the edge's changes in ONE transaction that is durable when it returns (SQLite:
WAL with synchronous=FULL; PostgreSQL: commit). Nothing is acknowledged to a client before that. The
query tables are a projection of the journal's events: `write_projection` writes the batch's rows right
after, before the next batch, and recovery writes again any that a crash lost (`unprojected_batches`).
A large batch (a market cancel of 10,000 orders) is thus acknowledged once its few journal rows are on
disk, not after its 20,000 row changes; reads wait until the projection has caught up (see service.py).

Recovery reads the journal back in order and replays it through a fresh core. A `SnapshotStore` also
keeps the latest snapshot of the core's state with the journal sequence it covers; recovery then starts
from it and replays only the journal after it. The query tables answer queries; the one thing recovery
reads from them is the registry of accepted order ids (`known_orders`), which a snapshot leaves out
because the orders table holds it already. Every method is blocking; the
sequencer calls them from its writer thread, never from the event loop. Driver exceptions are turned
into `StoreError` so they never leak into the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import msgspec

from openclob.core import Command, Event, PlaceOrder
from openclob.store.records import (
    ActivityRecord,
    ApiKeyRecord,
    ClockRecord,
    EventRecord,
    MarketInfoRecord,
    NotificationRecord,
    OrderRecord,
    PricePointRecord,
    RateLimitTierRecord,
    TradeRecord,
    WalletLinkRecord,
)


class StoreError(Exception):
    """A storage operation failed; the batch it belonged to did not happen."""


class Journalled(msgspec.Struct, kw_only=True):
    """One journalled command, its place in the journal, and the events it produced."""

    sequence: int
    command: Command
    events: list[Event]


class Batch(msgspec.Struct, kw_only=True):
    """Everything one group commit writes: its journal and edge rows in one transaction, then its projection.

    `settlement_reference` is the `transaction_hash` given to every trade in this batch.
    """

    entries: list[Journalled] = msgspec.field(default_factory=list)
    api_keys: list[ApiKeyRecord] = msgspec.field(default_factory=list)
    deleted_api_keys: list[str] = msgspec.field(default_factory=list)
    wallet_links: list[WalletLinkRecord] = msgspec.field(default_factory=list)
    market_infos: list[MarketInfoRecord] = msgspec.field(default_factory=list)
    rate_limit_tiers: list[RateLimitTierRecord] = msgspec.field(default_factory=list)
    killed_orders: list[PlaceOrder] = msgspec.field(default_factory=list)
    """FOK/FAK orders refused for want of liquidity: nothing is stored, but their owners' feeds report them."""
    deleted_notifications: list[tuple[str, list[int]]] = msgspec.field(default_factory=list)
    """(owner, notification ids) pairs; an owner can only delete its own."""
    exchange_clock: ClockRecord | None = None
    """The exchange clock's new state, when the batch moved or froze it."""
    settlement_reference: str = ""
    written_at_ms: int = 0
    prune_notifications_before_ms: int = 0
    """When set, delete (some of the) notifications created before this time: they are past retention."""


class StoredSnapshot(msgspec.Struct, kw_only=True):
    """The core's state after journal entry `sequence` (see core/snapshot.py), as the store keeps it."""

    sequence: int
    format: int
    """The core's `SNAPSHOT_FORMAT` when it was taken."""
    clock_ms: int
    """The sequencer's time when it was taken: time never goes back across a restart."""
    state: bytes


class Store(Protocol):
    """A durable store. Implementations: SQLite (embedded default) and PostgreSQL."""

    def open(self) -> None:
        """Connect, create the schema or migrate it to the current version."""

    def close(self) -> None:
        """Release connections."""

    # ---------------------------------------------------------------- journal and writes

    def journal(self) -> Iterator[Journalled]:
        """Yield every journalled command in sequence order (events empty): the input of recovery."""
        ...

    def last_sequence(self) -> int:
        """The highest journalled sequence, 0 when empty."""
        ...

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        """Write the batch's journal entries and edge rows in one transaction, durable on return, or raise
        `StoreError`. A batch with entries stays listed in `unprojected_batches` until its projection is written.

        The same transaction first writes the projection of `projections`: earlier batches already written,
        in order, whose projection was deferred to ride on this write (as `write_projection` would)."""

    def write_projection(self, batch: Batch) -> None:
        """Write the query-table rows of the entries of a batch already passed to `write`, or raise `StoreError`.

        Called at most once per such batch, in order, before the next `write` (or the batch is passed to that
        `write` as one of its `projections`). It need not be durable on return: the
        next durable write makes it so, and recovery writes it again if a crash lost it.
        """

    def unprojected_batches(self) -> list[tuple[int, int]]:
        """(first, last) journal sequences of each written batch whose projection is not written, in order."""
        ...

    # ---------------------------------------------------------------- edge state, loaded at start

    def api_keys(self) -> list[ApiKeyRecord]:
        """Every API key, full and read-only."""
        ...

    def wallet_links(self) -> list[WalletLinkRecord]:
        """Every wallet link."""
        ...

    def market_infos(self) -> list[MarketInfoRecord]:
        """Every market's words."""
        ...

    def rate_limit_tiers(self) -> list[RateLimitTierRecord]:
        """Every trading rate-limit tier the operator set."""
        ...

    def exchange_clock(self) -> ClockRecord | None:
        """The exchange clock as last written; None if it never was (it runs at wall time)."""
        ...

    # ---------------------------------------------------------------- queries

    def order(self, order_id: str) -> OrderRecord | None:
        """One order by id, open or closed."""
        ...

    def orders(
        self,
        owner: str,
        *,
        open_only: bool,
        after_position: int,
        limit: int,
        order_id: str | None = None,
        condition_id: str | None = None,
        token_id: str | None = None,
    ) -> list[OrderRecord]:
        """`owner`'s orders with position > after_position, by position, at most `limit`."""
        ...

    def trades(
        self,
        owner: str,
        *,
        after_position: int,
        limit: int,
        trade_id: str | None = None,
        condition_id: str | None = None,
        token_id: str | None = None,
        maker_address: str | None = None,
        before_ms: int | None = None,
        after_ms: int | None = None,
    ) -> list[TradeRecord]:
        """Trades in which `owner` took part (as taker or maker), by position, at most `limit`.

        `token_id` and `maker_address` match the taker side or any of `owner`'s maker legs; `before_ms` and
        `after_ms` bound `matched_at_ms`, both inclusive.
        """
        ...

    def market_trades(self, condition_id: str, limit: int) -> list[TradeRecord]:
        """The latest trades of a market, newest first."""
        ...

    def notifications(self, owner: str) -> list[NotificationRecord]:
        """`owner`'s notifications, oldest first."""
        ...

    def events(self) -> list[EventRecord]:
        """Every listed event, in listing order."""
        ...

    def event(self, event_id: str) -> EventRecord | None:
        """One event by id."""
        ...

    def event_of_market(self, condition_id: str) -> tuple[str, int] | None:
        """(event id, outcome index) of a market listed as an event's outcome; None for a market listed alone."""
        ...

    def price_history(self, token_id: str, start_ms: int, end_ms: int) -> list[PricePointRecord]:
        """Trade prints of one token in [start_ms, end_ms], oldest first."""
        ...

    def activity(
        self,
        address: str,
        *,
        limit: int,
        offset: int = 0,
        types: Sequence[str] = (),
        condition_ids: Sequence[str] = (),
        taker_only: bool = False,
        oldest_first: bool = False,
        side: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[ActivityRecord]:
        """`address`'s activity (trades, splits, merges, conversions, redemptions), newest first unless `oldest_first`.

        `types` and `condition_ids` keep only those (empty: all); `taker_only` drops the trades it made as a
        maker; `side` keeps that side; `start_ms` and `end_ms` bound the time, both inclusive. An index range
        scan by (address, sequence).
        """
        ...

    def tape(self, *, limit: int, offset: int = 0, condition_ids: Sequence[str] = ()) -> list[TradeRecord]:
        """Every trade, newest first, optionally of some markets only (the public trade tape)."""
        ...

    def market_volumes(
        self, condition_ids: Sequence[str] | None = None, since_ms: Sequence[int] = ()
    ) -> dict[str, tuple[int, ...]]:
        """condition id -> (collateral traded by takers, then the same over trades matched at or after each of
        `since_ms`), for `condition_ids` (None: every market that traded). A range scan per market."""
        ...


@runtime_checkable
class SnapshotStore(Store, Protocol):
    """A store that also keeps core snapshots, so that recovery replays only the journal after the latest."""

    def journal_after(self, sequence: int) -> Iterator[Journalled]:
        """Yield the journalled commands after `sequence`, in sequence order (events empty)."""
        ...

    def latest_snapshot(self) -> StoredSnapshot | None:
        """The latest snapshot, if any."""
        ...

    def write_snapshot(self, snapshot: StoredSnapshot) -> bool:
        """Keep `snapshot` in place of older ones, durable on return; False (nothing written) if the journal
        does not reach its sequence, which only happens when the batch it follows was never stored."""
        ...

    def known_orders(self, through_position: int) -> dict[str, str]:
        """order id -> owner of every order accepted with a position (order sequence) up to `through_position`."""
        ...
