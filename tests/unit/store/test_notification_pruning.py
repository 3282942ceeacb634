"""Notifications past the retention window are deleted from the store by the sequencer's clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openclob.config import Limits, Settings
from openclob.core import UNIT, CancelOrders, CreateMarket, Deposit, PlaceOrder, Side
from openclob.service import Service
from openclob.store.sqlite import SqliteStore

MARKET, YES, NO = "0x" + "f1" * 32, "701", "702"
OWNER, ADDRESS = "key-fay", "0x" + "f6" * 20
START_MS = 1_700_000_000_000


class Clock:
    now_ms = START_MS

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_notifications_older_than_retention_leave_the_store(tmp_path: Path) -> None:
    clock = Clock()
    limits = Limits(notification_retention_ms=60_000, notification_prune_interval_ms=1_000)
    store = SqliteStore(tmp_path / "s.db")
    service = Service(store, Settings(limits=limits, time_advance_interval_ms=10), clock=clock)
    await service.start()
    try:
        await service.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO)))
        await service.submit(Deposit(now_ms=0, address=ADDRESS, amount=100 * UNIT))
        order_id = "0x" + "0f" * 32
        bid = PlaceOrder(
            now_ms=0, order_id=order_id, owner=OWNER, maker=ADDRESS, signer=ADDRESS, token_id=YES, side=Side.BUY,
            maker_amount=2 * UNIT, taker_amount=5 * UNIT,
        )  # fmt: skip
        await service.submit(bid)
        await service.submit(CancelOrders(now_ms=0, owner=OWNER, order_ids=(order_id,)))
        assert len(await service.read(store.notifications, OWNER)) == 1
        clock.now_ms += 59_000  # inside retention: pruning runs but keeps it
        await asyncio.sleep(0.2)
        assert len(await service.read(store.notifications, OWNER)) == 1
        clock.now_ms += 2_000
        for _ in range(200):
            if not await service.read(store.notifications, OWNER):
                break
            await asyncio.sleep(0.01)
        assert await service.read(store.notifications, OWNER) == []
    finally:
        await service.stop()
