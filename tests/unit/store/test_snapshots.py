"""Snapshots in the store and in recovery: the latest snapshot plus the journal after it is a full replay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from openclob.config import Limits, Settings
from openclob.core import Command, Exchange
from openclob.core.snapshot import SNAPSHOT_FORMAT
from openclob.service import Service
from openclob.store import StoredSnapshot
from openclob.store.sql import SqlStore
from tests.unit.core.workload import START_MS, workload
from tests.unit.store.conftest import StoreFactory
from tests.unit.store.scenario import trading_day, write_batch

Store = SqlStore[Any]
INTERVAL = 40


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _full_replay(store: Store) -> Exchange:
    exchange = Exchange()
    for entry in store.journal():
        exchange.apply(entry.command)
    return exchange


# ---------------------------------------------------------------------- the store


def test_the_store_keeps_only_the_latest_snapshot(store: Store) -> None:
    for batch in trading_day().batches:
        write_batch(store, batch)
    assert store.latest_snapshot() is None
    first = StoredSnapshot(sequence=3, format=SNAPSHOT_FORMAT, clock_ms=5, state=b"\x01\x02")
    second = StoredSnapshot(sequence=7, format=SNAPSHOT_FORMAT, clock_ms=9, state=b"\x03" * 100_000)
    assert store.write_snapshot(first)
    assert store.latest_snapshot() == first
    assert store.write_snapshot(second)
    assert store.latest_snapshot() == second
    assert store.write_snapshot(second)  # again: replaced, not duplicated
    assert store._read("SELECT COUNT(*) FROM snapshots")[0][0] == 1


def test_a_snapshot_beyond_the_journal_is_not_stored(store: Store) -> None:
    day = trading_day()
    write_batch(store, day.batches[0])
    ahead = StoredSnapshot(sequence=day.batches[0].entries[-1].sequence + 1, format=1, clock_ms=0, state=b"")
    assert not store.write_snapshot(ahead)
    assert store.latest_snapshot() is None


def test_known_orders_are_the_accepted_orders_up_to_a_position(store: Store) -> None:
    day = trading_day()
    for batch in day.batches:
        write_batch(store, batch)
    everything = store.known_orders(10**9)
    assert everything == dict(day.scenario.exchange._owner_of)
    first_two = store.known_orders(2)
    assert first_two == {day.ids["alice_ask"]: "key-alice", day.ids["bob_no_bid"]: "key-bob"}


# ---------------------------------------------------------------------- recovery through the service


@dataclass
class Clock:
    now_ms: int = START_MS

    def __call__(self) -> int:
        return self.now_ms


async def _drive(service: Service, clock: Clock, commands: list[Command]) -> None:
    """Submit the workload in batches of varying size, the clock following the commands' times."""
    size = 1
    while commands:
        chunk, commands = commands[:size], commands[size:]
        clock.now_ms = max(clock.now_ms, chunk[-1].now_ms)
        await service.submit_many(chunk)
        size = size % 13 + 1


def _settings(interval: int = INTERVAL) -> Settings:
    return Settings(limits=Limits(snapshot_interval_commands=interval), time_advance_interval_ms=3_600_000)


@pytest.fixture
async def running(new_store: StoreFactory) -> AsyncIterator[tuple[Service, Clock, StoreFactory]]:
    """A service that went through the workload, taking snapshots on the way, and is still running."""
    clock = Clock()
    service = Service(new_store(), _settings(), clock=clock)
    await service.start()
    await _drive(service, clock, workload(seed=5, steps=300))
    await service.read(lambda: None)  # its last projection written: the tests restart on the store it leaves
    yield service, clock, new_store
    await service.stop()  # a no-op if the test stopped it


@pytest.mark.anyio
async def test_a_restart_from_the_snapshot_and_the_tail_equals_a_full_replay(
    running: tuple[Service, Clock, StoreFactory],
) -> None:
    service, clock, new_store = running
    store = new_store()
    snapshot = store.latest_snapshot()
    assert snapshot is not None and 0 < snapshot.sequence < store.last_sequence()  # a tail to replay
    assert _full_replay(store).state_hash() == service.exchange.state_hash()
    restarted = Service(store, _settings(), clock=clock)  # as after a kill: the first never stopped
    await restarted.start()
    try:
        assert restarted._snapshot_sequence == snapshot.sequence
        assert restarted.exchange.state_hash() == _full_replay(store).state_hash()  # heartbeats renewed at start
        restarted.exchange.check_invariants()
        await _drive(restarted, clock, workload(seed=6, steps=60)[12:])  # and it trades on
    finally:
        await restarted.stop()


@pytest.mark.anyio
async def test_a_clean_stop_leaves_a_snapshot_of_the_last_state(running: tuple[Service, Clock, StoreFactory]) -> None:
    service, clock, new_store = running
    await service.stop()
    store = new_store()
    snapshot = store.latest_snapshot()
    assert snapshot is not None and snapshot.sequence == store.last_sequence()
    restarted = Service(store, _settings(), clock=clock)
    await restarted.start()
    assert restarted._snapshot_sequence == snapshot.sequence
    assert restarted.exchange.state_hash() == _full_replay(store).state_hash()  # heartbeats renewed at start
    await restarted.stop()


@pytest.mark.anyio
async def test_a_snapshot_of_another_format_is_ignored_for_a_full_replay(
    running: tuple[Service, Clock, StoreFactory],
) -> None:
    _, clock, new_store = running
    store = new_store()
    latest = store.latest_snapshot()
    assert latest is not None
    store.write_snapshot(StoredSnapshot(sequence=latest.sequence, format=SNAPSHOT_FORMAT + 1, clock_ms=0, state=b"?"))
    restarted = Service(store, _settings(interval=10**9), clock=clock)
    await restarted.start()
    try:
        assert restarted._snapshot_sequence == 0
        assert restarted.exchange.state_hash() == _full_replay(store).state_hash()
    finally:
        await restarted.stop()


@pytest.mark.anyio
async def test_a_snapshot_that_fails_to_restore_is_ignored_for_a_full_replay(
    running: tuple[Service, Clock, StoreFactory], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> Exchange:
        raise AttributeError("'Exchange' object has no attribute '_renamed'")

    monkeypatch.setattr("openclob.service.restore", broken)
    _, clock, new_store = running
    store = new_store()
    restarted = Service(store, _settings(interval=10**9), clock=clock)
    await restarted.start()
    try:
        assert restarted._snapshot_sequence == 0
        assert restarted.exchange.state_hash() == _full_replay(store).state_hash()
    finally:
        await restarted.stop()
