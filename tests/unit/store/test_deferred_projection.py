"""The query tables are written after the acknowledgement: reads wait for them, and recovery rewrites what a crash lost.

A batch is acknowledged once its journal entries are durable (`Store.write`); its query-table rows follow
(`Store.write_projection`) before the next batch, or, while more commands wait, in the next batch's own
transaction. These tests hold the projection back, lose it, or make it
fail, and check that no client ever reads a state older than what it was told, and that nothing is lost.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from openclob.config import Limits, Settings
from openclob.core import UNIT, CancelMarketOrders, CreateMarket, Deposit, OrderPlaced, PlaceOrder, Side, Split
from openclob.service import Receipt, Service, ServiceUnavailable, settlement_reference
from openclob.store import Batch, StoreError
from openclob.store.sqlite import SqliteStore

MARKET, YES, NO = "0x" + "d1" * 32, "601", "602"
OWNER, ADDRESS = "key-dora", "0x" + "d4" * 20
TAKER, TAKER_ADDRESS = "key-tom", "0x" + "d5" * 20


class HeldStore(SqliteStore):
    """A SQLite store whose projections can be held back, lost (as in a crash) or made to fail."""

    hold = False
    lose = False
    fail = False
    hold_write = False
    fail_write_with_projections = False

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.released = threading.Event()
        self.write_released = threading.Event()
        self.writes: list[tuple[list[int], list[list[int]]]] = []
        """Each journal write: the sequences it journalled, and those of each batch it projected with them."""

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        if self.hold_write:
            self.write_released.wait(10)
        if projections and self.fail_write_with_projections:
            self.fail_write_with_projections = False
            raise StoreError("disk I/O error (simulated)")
        super().write(batch, projections)
        projected = [[e.sequence for e in p.entries] for p in projections]
        self.writes.append(([e.sequence for e in batch.entries], projected))

    def write_projection(self, batch: Batch) -> None:
        if self.hold:
            self.released.wait(10)
        if self.fail:
            self.fail = False
            raise StoreError("disk I/O error (simulated)")
        if not self.lose:
            super().write_projection(batch)


def _settings() -> Settings:
    # A frozen clock: no time advance or settlement step of a "killed" service lands after its restart started.
    return Settings(limits=Limits(store_rebuild_attempts=2), time_advance_interval_ms=3_600_000, clock_mode="frozen")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    running = Service(HeldStore(tmp_path / "s.db"), _settings())
    await running.start()
    await running.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO), dynamic_tick=False))
    for address in (ADDRESS, TAKER_ADDRESS):
        await running.submit(Deposit(now_ms=0, address=address, amount=1_000 * UNIT))
    await running.submit(Split(now_ms=0, address=TAKER_ADDRESS, condition_id=MARKET, amount=100 * UNIT))
    yield running
    await running.stop()


def _store(service: Service) -> HeldStore:
    assert isinstance(service.store, HeldStore)
    return service.store


def _order(number: int, side: Side = Side.BUY, owner: str = OWNER, address: str = ADDRESS) -> PlaceOrder:
    shares, price = 10 * UNIT, 400_000
    collateral = shares * price // UNIT
    maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
    return PlaceOrder(
        now_ms=0, order_id=f"0x{number:064x}", owner=owner, maker=address, signer=address, token_id=YES,
        side=side, maker_amount=maker, taker_amount=taker,
    )  # fmt: skip


async def _open_ids(service: Service, owner: str = OWNER) -> list[str]:
    records = await service.read(lambda: service.store.orders(owner, open_only=True, after_position=0, limit=100))
    return [r.order_id for r in records]


@pytest.mark.anyio
async def test_a_command_is_acknowledged_before_its_projection_and_a_read_waits_for_it(service: Service) -> None:
    store = _store(service)
    await service.read(lambda: None)  # the setup's projections are written
    store.hold = True
    receipt = await asyncio.wait_for(service.submit(_order(1)), 5)  # answered while the projection is held
    assert isinstance(receipt.applied.result, OrderPlaced)
    assert store.unprojected_batches() != []
    read = asyncio.create_task(_open_ids(service))
    await asyncio.sleep(0.05)
    assert not read.done()
    store.hold = False
    store.released.set()
    assert await asyncio.wait_for(read, 5) == [_order(1).order_id]
    assert store.unprojected_batches() == []


@pytest.mark.anyio
async def test_a_restart_writes_the_projection_a_crash_lost(service: Service, tmp_path: Path) -> None:
    await service.submit(_order(1))
    store = _store(service)
    await service.read(lambda: None)
    store.lose = True
    receipts = await service.submit_many([_order(2), _order(3, Side.SELL, TAKER, TAKER_ADDRESS)])
    await service.submit(CancelMarketOrders(now_ms=0, owner=OWNER, condition_id=MARKET))
    (trade_id,) = receipts[1].applied.result.trade_ids  # type: ignore[union-attr]
    lost = store.unprojected_batches()
    assert lost and store.order(_order(2).order_id) is None

    restarted = Service(HeldStore(tmp_path / "s.db"), _settings())  # as after a kill: the first never stopped
    await restarted.start()
    try:
        await restarted.read(lambda: None)  # a batch of its own at start (settings, a time advance) is projected too
        assert restarted.store.unprojected_batches() == []
        filled = restarted.store.order(_order(1).order_id)  # stored before the crash, filled in the lost batch
        canceled = restarted.store.order(_order(2).order_id)
        assert filled is not None and filled.status == "MATCHED" and filled.trade_ids == [trade_id]
        assert canceled is not None and canceled.status == "CANCELED"
        (trade,) = restarted.store.trades(TAKER, after_position=0, limit=10)
        assert trade.trade_id == trade_id
        assert trade.transaction_hash == receipts[1].settlement_reference
        assert trade.transaction_hash in {settlement_reference(*batch) for batch in lost}
        assert await _open_ids(restarted) == []
    finally:
        await restarted.stop()


@pytest.mark.anyio
async def test_a_failed_projection_keeps_the_acknowledged_command_and_rewrites_its_rows(service: Service) -> None:
    store = _store(service)
    await service.read(lambda: None)
    store.fail = True
    receipt = await service.submit(_order(1))  # durable: the failure comes after the acknowledgement
    assert isinstance(receipt.applied.result, OrderPlaced)
    assert await _open_ids(service) == [_order(1).order_id]  # the rebuild wrote the lost rows
    assert [o.order_id for o in service.exchange.open_orders(OWNER)] == [_order(1).order_id]
    assert isinstance((await service.submit(_order(2))).applied.result, OrderPlaced)


@pytest.mark.anyio
async def test_a_clean_stop_finishes_the_batch_in_hand_with_its_projection(service: Service, tmp_path: Path) -> None:
    store = _store(service)
    await service.read(lambda: None)
    store.hold = True
    placing = asyncio.create_task(service.submit(_order(1)))
    await asyncio.sleep(0.05)
    stopping = asyncio.create_task(service.stop())
    await asyncio.sleep(0.05)
    store.released.set()
    await asyncio.wait_for(stopping, 5)
    assert isinstance((await placing).applied.result, OrderPlaced)
    reopened = HeldStore(tmp_path / "s.db")
    reopened.open()
    try:
        assert reopened.unprojected_batches() == []
        snapshot = reopened.latest_snapshot()
        assert snapshot is not None and snapshot.sequence == reopened.last_sequence()
        assert reopened.order(_order(1).order_id) is not None
    finally:
        reopened.close()


async def _queued_behind_a_held_write(
    service: Service, first: PlaceOrder, queued: list[PlaceOrder]
) -> tuple[asyncio.Task[Receipt], asyncio.Task[list[Receipt]]]:
    """Submit `first`, hold its write, queue `queued` behind it; the write is released when this returns."""
    store = _store(service)
    await service.read(lambda: None)
    store.hold_write = True
    store.writes.clear()
    placing = asyncio.create_task(service.submit(first))
    await asyncio.sleep(0.05)  # `first` is in the write being held
    behind = asyncio.create_task(service.submit_many(queued))
    await asyncio.sleep(0.05)
    store.hold_write = False
    store.write_released.set()
    return placing, behind


@pytest.mark.anyio
async def test_while_commands_wait_a_projection_rides_on_the_next_batchs_write(service: Service) -> None:
    store = _store(service)
    placing, behind = await _queued_behind_a_held_write(service, _order(1), [_order(2), _order(3)])
    await asyncio.wait_for(placing, 5)
    await asyncio.wait_for(behind, 5)
    assert await _open_ids(service) == [_order(n).order_id for n in (1, 2, 3)]  # each reads what it was told
    (first_sequence,), (second, with_projections) = store.writes[0][0], store.writes[1]
    assert second == [first_sequence + 1, first_sequence + 2]
    assert with_projections == [[first_sequence]]  # the first batch's rows, in the second's transaction
    assert store.unprojected_batches() == []  # nothing waited once the queue was empty


@pytest.mark.anyio
async def test_a_failed_write_with_a_projection_fails_only_its_own_callers(service: Service) -> None:
    store = _store(service)
    store.fail_write_with_projections = True
    placing, behind = await _queued_behind_a_held_write(service, _order(1), [_order(2)])
    assert isinstance((await asyncio.wait_for(placing, 5)).applied.result, OrderPlaced)  # durable, answered
    with pytest.raises(ServiceUnavailable):
        await asyncio.wait_for(behind, 5)
    assert await _open_ids(service) == [_order(1).order_id]  # the rebuild projected the answered batch
    assert store.unprojected_batches() == []
    assert [o.order_id for o in service.exchange.open_orders(OWNER)] == [_order(1).order_id]
    assert isinstance((await service.submit(_order(2))).applied.result, OrderPlaced)
