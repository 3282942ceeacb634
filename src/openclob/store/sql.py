"""`SqlStore`: the `Store` written once over a DB-API connection; SQLite and PostgreSQL fill in the hooks.

A store holds two connections: the writer, used by `write` and migrations, and a reader in autocommit
mode, so queries see every committed batch and never wait on a write in progress. Each connection has
its own lock, so any thread may call any method.

`write` stores the journal and the edge's rows durably; `write_projection` then writes the query-table rows
of the same batch. Each runs a statement once over the projection's parameter tuples (`executemany`), and
cancels of orders from earlier batches as a few `UPDATE ... WHERE order_id IN (...)` per (reason, time). The tables
share no triggers or keys, so this is the same end state as applying every change in turn, with far fewer
round trips (see projection.py for why the order of the updates does not matter).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

from openclob.core import Command
from openclob.store import schema
from openclob.store.base import Batch, Journalled, StoredSnapshot, StoreError
from openclob.store.data_api_queries import DataApiQueries, trade_from_row
from openclob.store.projection import project_edge, project_entries
from openclob.store.records import (
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

C = TypeVar("C")
Row = tuple[Any, ...]

JOURNAL_PAGE_ROWS = 10_000
"""Journal rows read per query during recovery."""
CANCEL_CHUNK_IDS = 500
"""Order ids per `UPDATE ... WHERE order_id IN (...)` of cancels (SQLite allows 32,766 parameters a statement)."""

_encode = msgspec.msgpack.Encoder().encode
_decode_command = msgspec.msgpack.Decoder(Command).decode
_decode_payload = msgspec.json.Decoder(dict[str, object]).decode


class SqlStore(DataApiQueries, abc.ABC, Generic[C]):
    """A `Store` over two connections of type `C`; subclasses connect and run statements."""

    types: ClassVar[dict[str, str]]
    """The DDL types `int`, `blob` and `serial_key` in this dialect."""
    driver_errors: ClassVar[tuple[type[Exception], ...]]

    def __init__(self) -> None:
        self._writer: C | None = None
        self._reader: C | None = None
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()

    # ------------------------------------------------------------------ hooks

    @abc.abstractmethod
    def _connect(self, *, reader: bool) -> C:
        """Open the writer, or an autocommit reader (called after the schema exists)."""

    @abc.abstractmethod
    def _execute(self, conn: C, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement; return its rows (none for a statement without a result)."""

    @abc.abstractmethod
    def _execute_many(self, conn: C, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement for each parameter row."""

    @abc.abstractmethod
    def _begin(self, conn: C, durable: bool) -> None:
        """Begin a transaction; unless `durable`, its commit may return before it is on disk."""

    @abc.abstractmethod
    def _commit(self, conn: C) -> None: ...

    @abc.abstractmethod
    def _rollback(self, conn: C) -> None: ...

    @abc.abstractmethod
    def _close(self, conn: C) -> None: ...

    def _lost(self, conn: C) -> bool:
        """Whether the connection is gone (the server restarted, the network dropped) and must be reopened."""
        return False

    def _insert_journal(self, conn: C, rows: list[tuple[int, bytes]]) -> None:
        self._execute_many(conn, schema.INSERT_JOURNAL, rows)

    def _cancel_orders(self, conn: C, reason: str, at_ms: int, order_ids: list[str]) -> None:
        """Mark orders of earlier batches CANCELED with one reason and time."""
        for start in range(0, len(order_ids), CANCEL_CHUNK_IDS):
            chunk = order_ids[start : start + CANCEL_CHUNK_IDS]
            self._execute(conn, schema.cancel_orders(len(chunk)), (reason, at_ms, *chunk))

    def _insert_rows(self, conn: C, insert: schema.Insert, rows: Sequence[Sequence[object]]) -> None:
        """Insert new rows (in this order: serial ids follow it)."""
        self._execute_many(conn, insert.sql, rows)

    # ------------------------------------------------------------------ lifecycle

    def open(self) -> None:
        """Connect and migrate the schema to the current version; a no-op when already open."""
        with self._write_lock, self._read_lock:
            if self._writer is not None:
                return
            writer: C | None = None
            try:
                writer = self._connect(reader=False)
                self._transaction(writer, self._migrate)
                self._reader = self._connect(reader=True)
            except BaseException as exc:
                if writer is not None:
                    with suppress(*self.driver_errors):
                        self._close(writer)
                if isinstance(exc, self.driver_errors):
                    raise StoreError(f"cannot open the store: {exc}") from exc
                raise
            self._writer = writer

    def open_reader(self) -> None:
        """Connect for reading only, to a store another process writes (an edge beside the sequencer).

        No writer connection is made and nothing is migrated: a store whose schema is not this openclob's raises
        `StoreError`, and so does any write. A no-op when already open."""
        with self._read_lock:
            if self._reader is not None:
                return
            reader: C | None = None
            try:
                reader = self._connect(reader=True)
                rows = self._execute(reader, "SELECT COALESCE(MAX(version), 0) FROM schema_version")
            except self.driver_errors as exc:
                if reader is not None:
                    with suppress(*self.driver_errors):
                        self._close(reader)
                raise StoreError(f"cannot open the store for reading: {exc}") from exc
            if rows[0][0] != len(schema.MIGRATIONS):
                self._close(reader)
                raise StoreError(
                    f"the store's schema version is {rows[0][0]}, this openclob reads {len(schema.MIGRATIONS)}"
                )
            self._reader = reader

    def close(self) -> None:
        """Close both connections."""
        with self._write_lock, self._read_lock:
            for conn in (self._writer, self._reader):
                if conn is not None:
                    with suppress(*self.driver_errors):
                        self._close(conn)
            self._writer = self._reader = None

    def _migrate(self, conn: C) -> None:
        self._execute(conn, schema.SCHEMA_VERSION_TABLE.format(**self.types))
        current = self._execute(conn, "SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]
        if current > len(schema.MIGRATIONS):
            raise StoreError(f"the store's schema version {current} is newer than this openclob's")
        for version in range(current + 1, len(schema.MIGRATIONS) + 1):
            for statement in schema.MIGRATIONS[version - 1]:
                self._execute(conn, statement.format(**self.types))
            self._execute(conn, "INSERT INTO schema_version (version) VALUES (?)", (version,))

    def _transaction(self, conn: C, body: Callable[[C], None], *, durable: bool = True) -> None:
        """Run `body` in one transaction, durable on return unless `durable` is False; roll back on any error,
        raising driver errors as `StoreError`."""
        try:
            self._begin(conn, durable)
            body(conn)
            self._commit(conn)
        except BaseException as exc:
            with suppress(*self.driver_errors):
                self._rollback(conn)
            if isinstance(exc, self.driver_errors):
                raise StoreError(f"{type(exc).__name__}: {exc}") from exc
            raise

    # ------------------------------------------------------------------ journal and writes

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        """Write the query-table rows of `projections` (earlier batches, in order), then the batch's journal
        entries and edge rows, in one transaction, durable on return, or raise `StoreError`. A batch with
        entries is also listed as unprojected until its projection is written."""

        def body(conn: C) -> None:
            for projected in projections:
                self._write_projection(conn, projected)
            self._write(conn, batch)

        with self._write_lock:
            self._transaction(self._connection(reader=False), body)

    def _write(self, conn: C, batch: Batch) -> None:
        entries = batch.entries
        if entries:
            self._insert_journal(conn, [(e.sequence, _encode(e.command)) for e in entries])
            self._execute(conn, schema.INSERT_UNPROJECTED_BATCH, (entries[-1].sequence, entries[0].sequence))
        rows = project_edge(batch)
        for statement, params in (
            (schema.DELETE_NOTIFICATION, rows.deleted_notifications),
            (schema.UPSERT_API_KEY, rows.api_keys),
            (schema.DELETE_API_KEY, rows.deleted_api_keys),
            (schema.UPSERT_WALLET_LINK, rows.wallet_links),
            (schema.UPSERT_MARKET_INFO, rows.market_infos),
            (schema.UPSERT_RATE_LIMIT_TIER, rows.rate_limit_tiers),
            (schema.UPSERT_EXCHANGE_CLOCK, rows.exchange_clock),
        ):
            if params:
                self._execute_many(conn, statement, params)
        if batch.prune_notifications_before_ms:
            prune = (batch.prune_notifications_before_ms, schema.PRUNE_NOTIFICATIONS_ROWS)
            self._execute(conn, schema.PRUNE_NOTIFICATIONS, prune)

    def write_projection(self, batch: Batch) -> None:
        """Write the query-table rows of a written batch's entries and strike it from the unprojected list.

        The transaction need not be durable on return (SQLite: synchronous=NORMAL; PostgreSQL: asynchronous
        commit): the next durable write makes it so, and if a crash loses it, recovery writes it again.
        """
        if not batch.entries:
            return
        with self._write_lock:
            conn = self._connection(reader=False)
            self._transaction(conn, lambda conn: self._write_projection(conn, batch), durable=False)

    def _write_projection(self, conn: C, batch: Batch) -> None:
        rows = project_entries(batch)
        if rows.new_orders:
            self._insert_rows(conn, schema.INSERT_ORDER, rows.order_rows())
        if rows.fills:
            self._execute_many(conn, schema.FILL_ORDER, rows.fills)
        for (reason, at_ms), order_ids in rows.cancels.items():
            self._cancel_orders(conn, reason, at_ms, order_ids)
        for insert, new_rows in (
            (schema.INSERT_TRADE, rows.trades),
            (schema.INSERT_TRADE_PARTY, rows.trade_parties),
            (schema.INSERT_PRICE_POINT, rows.price_points),
            (schema.INSERT_NOTIFICATION, rows.notifications),
            (schema.INSERT_EVENT, rows.events),
            (schema.INSERT_EVENT_MARKET, rows.event_markets),
            (schema.INSERT_ACTIVITY, rows.activity),
        ):
            if new_rows:
                self._insert_rows(conn, insert, new_rows)
        if rows.trade_statuses:  # after the trades: a trade may settle in the batch that matched it
            self._execute_many(conn, schema.UPDATE_TRADE_STATUS, list(rows.trade_statuses.values()))
        self._execute(conn, schema.DELETE_UNPROJECTED_BATCH, (batch.entries[-1].sequence,))

    def unprojected_batches(self) -> list[tuple[int, int]]:
        """(first, last) journal sequences of every written batch whose projection is not written, in order."""
        return [(first, last) for first, last in self._read(schema.SELECT_UNPROJECTED_BATCHES)]

    def journal(self) -> Iterator[Journalled]:
        """Yield every journalled command in sequence order (events empty), a page at a time."""
        return self.journal_after(0)

    def journal_after(self, sequence: int) -> Iterator[Journalled]:
        """Yield the journalled commands after `sequence` in sequence order (events empty), a page at a time."""
        after = sequence
        while True:
            rows = self._read(
                "SELECT sequence, command FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?",
                (after, JOURNAL_PAGE_ROWS),
            )
            for number, command in rows:
                yield Journalled(sequence=number, command=_decode_command(command), events=[])
            if len(rows) < JOURNAL_PAGE_ROWS:
                return
            after = rows[-1][0]

    def last_sequence(self) -> int:
        """The highest journalled sequence, 0 when empty."""
        value: int = self._read("SELECT COALESCE(MAX(sequence), 0) FROM journal")[0][0]
        return value

    # ------------------------------------------------------------------ snapshots

    def latest_snapshot(self) -> StoredSnapshot | None:
        """The latest snapshot, if any."""
        rows = self._read("SELECT sequence, format, clock_ms, state FROM snapshots ORDER BY sequence DESC LIMIT 1")
        if not rows:
            return None
        sequence, format_, clock_ms, state = rows[0]
        return StoredSnapshot(sequence=sequence, format=format_, clock_ms=clock_ms, state=bytes(state))

    def write_snapshot(self, snapshot: StoredSnapshot) -> bool:
        """Keep `snapshot` in place of older ones; False (nothing written) if the journal does not reach it."""
        written = False

        def body(conn: C) -> None:
            nonlocal written
            journalled = self._execute(conn, "SELECT COALESCE(MAX(sequence), 0) FROM journal")[0][0]
            if snapshot.sequence > journalled:
                return
            row = (snapshot.sequence, snapshot.format, snapshot.clock_ms, snapshot.state)
            self._execute(conn, schema.UPSERT_SNAPSHOT, row)
            self._execute(conn, schema.DELETE_OLDER_SNAPSHOTS, (snapshot.sequence,))
            written = True

        with self._write_lock:
            self._transaction(self._connection(reader=False), body)
        return written

    def known_orders(self, through_position: int) -> dict[str, str]:
        """order id -> owner of every order accepted with a position up to `through_position`."""
        with self._read_lock:
            conn = self._connection(reader=True)
            try:
                return self._fetch_pairs(
                    conn, "SELECT order_id, owner FROM orders WHERE position <= ?", (through_position,)
                )
            except self.driver_errors as exc:
                raise StoreError(f"{type(exc).__name__}: {exc}") from exc

    def _fetch_pairs(self, conn: C, sql: str, params: Sequence[object]) -> dict[str, str]:
        return dict(self._execute(conn, sql, params))

    # ------------------------------------------------------------------ edge state

    def api_keys(self) -> list[ApiKeyRecord]:
        """Every API key."""
        rows = self._read(f"SELECT {', '.join(schema.API_KEY_COLUMNS)} FROM api_keys ORDER BY api_key")
        return [
            ApiKeyRecord(api_key=k, address=a, nonce=n, secret=s, passphrase=p, readonly=bool(r), created_at_ms=t)
            for k, a, n, s, p, r, t in rows
        ]

    def wallet_links(self) -> list[WalletLinkRecord]:
        """Every wallet link."""
        rows = self._read("SELECT signer, funder, signature_type FROM wallet_links ORDER BY signer, funder")
        return [WalletLinkRecord(signer=s, funder=f, signature_type=t) for s, f, t in rows]

    def market_infos(self) -> list[MarketInfoRecord]:
        """Every market's words."""
        columns = schema.MARKET_INFO_COLUMNS
        rows = self._read(f"SELECT {', '.join(columns)} FROM market_infos ORDER BY condition_id")
        return [MarketInfoRecord(**dict(zip(columns, row, strict=True))) for row in rows]

    def rate_limit_tiers(self) -> list[RateLimitTierRecord]:
        """Every trading rate-limit tier the operator set."""
        rows = self._read("SELECT address, tier FROM rate_limit_tiers ORDER BY address")
        return [RateLimitTierRecord(address=a, tier=t) for a, t in rows]

    def exchange_clock(self) -> ClockRecord | None:
        """The exchange clock as last written; None if it never was."""
        rows = self._read("SELECT offset_ms, frozen_at_ms FROM exchange_clock WHERE id = 1")
        return ClockRecord(offset_ms=rows[0][0], frozen_at_ms=rows[0][1]) if rows else None

    # ------------------------------------------------------------------ queries

    def order(self, order_id: str) -> OrderRecord | None:
        """One order by id, open or closed."""
        rows = self._read(f"SELECT {', '.join(schema.ORDER_COLUMNS)} FROM orders WHERE order_id = ?", (order_id,))
        return _order(rows[0]) if rows else None

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
        where, params = _filters(owner, after_position, order_id=order_id, condition_id=condition_id, token_id=token_id)
        if open_only:
            where += " AND status = 'LIVE'"  # a literal, so the partial index applies
        sql = f"SELECT {', '.join(schema.ORDER_COLUMNS)} FROM orders WHERE {where} ORDER BY position LIMIT ?"
        return [_order(row) for row in self._read(sql, (*params, limit))]

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
        """Trades in which `owner` took part, by position; `before_ms`/`after_ms` bound the match time, inclusive."""
        where, params = _filters(
            owner,
            after_position,
            trade_id=trade_id,
            condition_id=condition_id,
            token_id=token_id,
            maker_address=maker_address,
        )
        if before_ms is not None:
            where += " AND matched_at_ms <= ?"
            params.append(before_ms)
        if after_ms is not None:
            where += " AND matched_at_ms >= ?"
            params.append(after_ms)
        columns = ", ".join(f"t.{c}" for c in schema.TRADE_COLUMNS)
        sql = (
            f"SELECT {columns} FROM (SELECT position, MIN(trade_id) AS trade_id FROM trade_parties"
            f" WHERE {where} GROUP BY position ORDER BY position LIMIT ?) p"
            " JOIN trades t ON t.trade_id = p.trade_id ORDER BY p.position"
        )
        return [trade_from_row(row) for row in self._read(sql, (*params, limit))]

    def market_trades(self, condition_id: str, limit: int) -> list[TradeRecord]:
        """The latest trades of a market, newest first."""
        sql = (
            f"SELECT {', '.join(schema.TRADE_COLUMNS)} FROM trades WHERE condition_id = ?"
            " ORDER BY position DESC LIMIT ?"
        )
        return [trade_from_row(row) for row in self._read(sql, (condition_id, limit))]

    def notifications(self, owner: str) -> list[NotificationRecord]:
        """`owner`'s notifications, oldest first."""
        rows = self._read(
            "SELECT notification_id, type, payload, created_at_ms FROM notifications"
            " WHERE owner = ? ORDER BY notification_id",
            (owner,),
        )
        return [
            NotificationRecord(notification_id=i, owner=owner, type=t, payload=_decode_payload(p), created_at_ms=at)
            for i, t, p, at in rows
        ]

    def price_history(self, token_id: str, start_ms: int, end_ms: int) -> list[PricePointRecord]:
        """Trade prints of one token in [start_ms, end_ms], oldest first."""
        rows = self._read(
            "SELECT at_ms, price_units FROM price_points WHERE token_id = ? AND at_ms >= ? AND at_ms <= ?"
            " ORDER BY at_ms, point_id",
            (token_id, start_ms, end_ms),
        )
        return [PricePointRecord(token_id=token_id, at_ms=at, price_units=p) for at, p in rows]

    def events(self) -> list[EventRecord]:
        """Every listed event, in listing order."""
        rows = self._read(f"SELECT {', '.join(schema.EVENT_COLUMNS)} FROM events ORDER BY position")
        return [_event(row) for row in rows]

    def event(self, event_id: str) -> EventRecord | None:
        """One event by id."""
        rows = self._read(f"SELECT {', '.join(schema.EVENT_COLUMNS)} FROM events WHERE event_id = ?", (event_id,))
        return _event(rows[0]) if rows else None

    def event_of_market(self, condition_id: str) -> tuple[str, int] | None:
        """(event id, outcome index) of a market listed as an event's outcome; None for a market listed alone."""
        rows = self._read("SELECT event_id, outcome_index FROM event_markets WHERE condition_id = ?", (condition_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    # ------------------------------------------------------------------ plumbing

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with self._read_lock:
            conn = self._connection(reader=True)
            try:
                return self._execute(conn, sql, params)
            except self.driver_errors as exc:
                raise StoreError(f"{type(exc).__name__}: {exc}") from exc

    def _connection(self, *, reader: bool) -> C:
        """The open reader or writer (call with its lock held), connected again first if it was lost."""
        conn = self._reader if reader else self._writer
        if conn is None:
            raise StoreError("the store is not open")
        if not self._lost(conn):
            return conn
        with suppress(*self.driver_errors):
            self._close(conn)
        try:
            conn = self._connect(reader=reader)
        except self.driver_errors as exc:
            raise StoreError(f"cannot reconnect to the store: {exc}") from exc
        if reader:
            self._reader = conn
        else:
            self._writer = conn
        return conn


def _filters(owner: str, after_position: int, **equal: str | None) -> tuple[str, list[object]]:
    """The WHERE clause of a listing: owner, position, then each given equality."""
    where = "owner = ? AND position > ?"
    params: list[object] = [owner, after_position]
    for column, value in equal.items():
        if value is not None:
            where += f" AND {column} = ?"
            params.append(value)
    return where, params


def _order(row: Row) -> OrderRecord:
    fields = dict(zip(schema.ORDER_COLUMNS, row, strict=True))
    trade_ids = fields.pop("trade_ids")
    return OrderRecord(**fields, trade_ids=trade_ids.split(",") if trade_ids else [])


def _event(row: Row) -> EventRecord:
    fields = dict(zip(schema.EVENT_COLUMNS, row, strict=True))
    fields["neg_risk"] = bool(fields["neg_risk"])
    fields["condition_ids"] = str(fields["condition_ids"]).split(",") if fields["condition_ids"] else []
    return EventRecord(**fields)
