"""Recovery time: how long a restart takes before the server is ready, and how fast the journal replays.

Workload: N PlaceOrder commands over 10 markets and 1,000 users, of which about 2% cross the spread (trades)
and the rest rest; nine in ten of the resting orders are later cancelled, one CancelOrders command each.
Everything goes through the real `Exchange` and store, in batches of about 1,000 commands, as the sequencer
writes them, with a snapshot of the exchange every `snapshot_interval_commands` journal entries (50,000), as
the sequencer stores them; the journal then ends with a tail of commands after the last snapshot.

Two measurements follow, each on a new store instance:
- journal replay: read the whole journal and apply every command to a new `Exchange` (commands/s);
- restart: `Service.start()` as `openclob serve` runs it (open the store, load the latest snapshot and the
  known order ids, replay the tail, load the edge state), until it returns and requests would be served.
Both state hashes must equal the writer's. The last line is the headline: `recovery_<N>_orders: <seconds> s`
(for example `recovery_1m_orders` for one million), the restart.

    python bench/recovery.py [--orders 1000000] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from openclob.config import Settings
from openclob.core import (
    UNIT,
    CancelOrders,
    Command,
    CreateMarket,
    Deposit,
    Exchange,
    OrderPlaced,
    OrderType,
    PlaceOrder,
    Side,
    Split,
)
from openclob.core.snapshot import SNAPSHOT_FORMAT, decode_state, export_state, restore
from openclob.service import Service
from openclob.store import Batch, Journalled, StoredSnapshot
from openclob.store.postgres import PostgresStore
from openclob.store.sql import SqlStore
from openclob.store.sqlite import SqliteStore

USERS = 1_000
MARKETS = 10
BATCH_COMMANDS = 1_000
CANCEL_SHARE = 0.9
CROSSING_SHARE = 0.02
SHARES_UNITS = 5 * UNIT
SNAPSHOT_INTERVAL = Settings().limits.snapshot_interval_commands
POSTGRES_URL = os.environ.get("OPENCLOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _count_name(count: int) -> str:
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if count >= size and count % size == 0:
            return f"{count // size}{suffix}"
    return str(count)


def _setup_commands() -> list[Command]:
    commands: list[Command] = []
    for m in range(MARKETS):
        tokens = (str(2 * m + 1), str(2 * m + 2))
        commands.append(CreateMarket(now_ms=0, condition_id=f"0x{m:064x}", token_ids=tokens, dynamic_tick=False))
    for u in range(USERS):
        address = f"0x{u:040x}"
        commands.append(Deposit(now_ms=0, address=address, amount=1_000_000 * UNIT))
        commands += [
            Split(now_ms=0, address=address, condition_id=f"0x{m:064x}", amount=100_000 * UNIT) for m in range(MARKETS)
        ]
    return commands


def _place(rng: random.Random, number: int, now_ms: int) -> PlaceOrder:
    """A resting order away from the middle of the book, or (sometimes) a FAK that crosses it."""
    user = rng.randrange(USERS)
    token = str(rng.randrange(2 * MARKETS) + 1)
    side = rng.choice((Side.BUY, Side.SELL))
    crossing = rng.random() < CROSSING_SHARE
    cents = rng.randint(55, 99) if crossing == (side is Side.BUY) else rng.randint(1, 45)
    collateral = SHARES_UNITS * cents // 100
    maker, taker = (collateral, SHARES_UNITS) if side is Side.BUY else (SHARES_UNITS, collateral)
    address = f"0x{user:040x}"
    return PlaceOrder(
        now_ms=now_ms,
        order_id=f"0x{number:064x}",
        owner=f"key-{user}",
        maker=address,
        signer=address,
        token_id=token,
        side=side,
        maker_amount=maker,
        taker_amount=taker,
        order_type=OrderType.FAK if crossing else OrderType.GTC,
    )


def _commands(orders: int, seed: int) -> Iterator[Command]:
    """The setup, then `orders` places, each resting one followed by a cancel of some earlier one (90%)."""
    rng = random.Random(seed)
    yield from _setup_commands()
    resting: list[tuple[str, str]] = []
    for number in range(1, orders + 1):
        now_ms = 1_000 + number
        place = _place(rng, number, now_ms)
        yield place
        if place.order_type is OrderType.GTC:
            resting.append((place.owner, place.order_id))
            if rng.random() < CANCEL_SHARE:
                index = rng.randrange(len(resting))
                resting[index], resting[-1] = resting[-1], resting[index]
                owner, order_id = resting.pop()
                yield CancelOrders(now_ms=now_ms, owner=owner, order_ids=(order_id,))


def _write(store: SqlStore[Any], orders: int, seed: int) -> tuple[Exchange, int, int, int]:
    """Drive the exchange and the store; return the exchange, commands written, trades made, snapshots stored."""
    exchange = Exchange()
    entries: list[Journalled] = []
    sequence = trades = snapshots = snapshot_sequence = 0
    for command in _commands(orders, seed):
        applied = exchange.apply(command)
        sequence += 1
        entries.append(Journalled(sequence=sequence, command=command, events=list(applied.events)))
        if isinstance(applied.result, OrderPlaced):
            trades += len(applied.result.trade_ids)
        if len(entries) >= BATCH_COMMANDS:
            store.write(Batch(entries=entries, settlement_reference=f"0x{sequence:064x}", written_at_ms=sequence))
            entries = []
            if sequence - snapshot_sequence >= SNAPSHOT_INTERVAL:  # as the sequencer does after a batch
                state = export_state(exchange)
                store.write_snapshot(StoredSnapshot(sequence=sequence, format=SNAPSHOT_FORMAT, clock_ms=0, state=state))
                snapshot_sequence, snapshots = sequence, snapshots + 1
    if entries:
        store.write(Batch(entries=entries, written_at_ms=sequence))
    return exchange, sequence, trades, snapshots


@contextmanager
def _location(db: str) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL schema for the run, removed afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="openclob-recovery-") as directory:
            yield str(Path(directory) / "recovery.db")
        return
    schema = f"bench_recovery_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield make_conninfo(POSTGRES_URL, options=f"-csearch_path={schema}")
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _new_store(db: str, location: str, *, opened: bool = True) -> SqlStore[Any]:
    store: SqlStore[Any] = SqliteStore(location) if db == "sqlite" else PostgresStore(location)
    if opened:
        store.open()
    return store


def _replay(db: str, location: str) -> tuple[Exchange, float]:
    """Replay the whole journal into a new exchange; return it and the seconds taken."""
    started = time.perf_counter()
    store = _new_store(db, location)
    exchange = Exchange()
    for entry in store.journal():
        exchange.apply(entry.command)
    elapsed = time.perf_counter() - started
    store.close()
    return exchange, elapsed


async def _restart(db: str, location: str) -> tuple[Exchange, float]:
    """Start a `Service` on the store, as the server does; return its exchange and the seconds until ready."""
    started = time.perf_counter()
    service = Service(_new_store(db, location, opened=False), Settings())
    await service.start()
    elapsed = time.perf_counter() - started
    exchange = service.exchange
    await service.stop()
    return exchange, elapsed


def _restart_parts(db: str, location: str) -> str:
    """Where a restart's time goes: the snapshot, the known order ids, the tail."""
    store = _new_store(db, location)
    parts: list[str] = []
    started = time.perf_counter()
    stored = store.latest_snapshot()
    assert stored is not None
    state = decode_state(stored.state)
    parts.append(f"snapshot {len(stored.state) / 1e6:.1f} MB read and decoded {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    known = store.known_orders(state.order_sequence)
    parts.append(f"{len(known):,} known order ids {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    exchange = restore(state, known)
    parts.append(f"restore ({len(state.open_orders):,} open orders) {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    tail = 0
    for entry in store.journal_after(stored.sequence):
        exchange.apply(entry.command)
        tail += 1
    parts.append(f"{tail:,} tail commands {time.perf_counter() - started:.2f} s")
    store.close()
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with _location(args.db) as location:
        store = _new_store(args.db, location)
        started = time.perf_counter()
        written, commands, trades, snapshots = _write(store, args.orders, args.seed)
        write_s = time.perf_counter() - started
        store.close()
        print(
            f"wrote {commands:,} commands ({args.orders:,} orders, {trades:,} trades, {snapshots} snapshots)"
            f" in {write_s:.1f} s"
        )

        replayed, replay_s = _replay(args.db, location)
        if replayed.state_hash() != written.state_hash():
            raise SystemExit("replay diverged: the state hashes differ")
        print(f"journal replay: {commands:,} commands in {replay_s:.1f} s, {commands / replay_s:,.0f} commands/s")

        parts = _restart_parts(args.db, location)  # before the restart: its clean stop stores a new snapshot
        recovered, recovery_s = asyncio.run(_restart(args.db, location))
        if recovered.state_hash() != written.state_hash():
            raise SystemExit("restart diverged: the state hashes differ")
        print(f"restart parts: {parts}")
    print(
        f"restart from the latest snapshot: state hash matches; journal_replay_{_count_name(args.orders)}_orders: "
        f"{replay_s:.2f} s"
    )
    print(f"recovery_{_count_name(args.orders)}_orders: {recovery_s:.2f} s")


if __name__ == "__main__":
    main()
