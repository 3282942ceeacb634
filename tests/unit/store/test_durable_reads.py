"""REST reads show only what is durable: a change whose batch is applied in memory but not yet written is not
shown, and if that write fails, it never is. A client that was answered reads its own change."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from openclob.assembly import build_app
from openclob.config import Limits, Settings
from openclob.core import UNIT, CreateMarket, Deposit, OrderPlaced, PlaceOrder, Side
from openclob.service import Service, ServiceUnavailable
from openclob.store import Batch, StoreError
from openclob.store.sqlite import SqliteStore

MARKET, YES, NO = "0x" + "c1" * 32, "701", "702"
OWNER, ADDRESS = "key-rita", "0x" + "c4" * 20
ADMIN_TOKEN = "admin-token"
READS = [
    ("/book", {"token_id": YES}),
    ("/price", {"token_id": YES, "side": "BUY"}),
    ("/admin/balances", {"address": ADDRESS}),
]


class HeldStore(SqliteStore):
    """A SQLite store whose next write can be held at the door (after the batch was applied) and then failed."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.hold = False
        self.fail = False
        self.holding = threading.Event()
        self.released = threading.Event()

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        if self.hold:
            self.hold = False
            self.holding.set()
            self.released.wait(10)
        if self.fail:
            self.fail = False
            raise StoreError("disk I/O error (simulated)")
        super().write(batch, projections)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Served(NamedTuple):
    service: Service
    client: httpx.AsyncClient


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings(limits=Limits(store_rebuild_attempts=2), time_advance_interval_ms=3_600_000)
    service = Service(HeldStore(tmp_path / "s.db"), settings)
    app = build_app(service, master_secret=b"x" * 32, admin_token=ADMIN_TOKEN)  # its feeds start with the service
    await service.start()
    await service.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO), dynamic_tick=False))
    await service.submit(Deposit(now_ms=0, address=ADDRESS, amount=1_000 * UNIT))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
            yield Served(service, client)
    finally:
        await service.stop()


def _bid() -> PlaceOrder:
    shares, price = 10 * UNIT, 400_000
    return PlaceOrder(
        now_ms=0, order_id="0x" + "0b" * 32, owner=OWNER, maker=ADDRESS, signer=ADDRESS, token_id=YES,
        side=Side.BUY, maker_amount=shares * price // UNIT, taker_amount=shares,
    )  # fmt: skip


async def _read_all(client: httpx.AsyncClient) -> list[Any]:
    answers = []
    for path, params in READS:
        response = await client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        answers.append(_without_times(response.json()))
    return answers


def _without_times(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: v for k, v in answer.items() if k not in {"timestamp", "hash"}}
    return answer


async def _place_with_the_write_held(service: Service, fail: bool) -> asyncio.Task[Any]:
    store = service.store
    assert isinstance(store, HeldStore)
    store.hold, store.fail = True, fail
    placing = asyncio.create_task(service.submit(_bid()))
    await asyncio.get_running_loop().run_in_executor(None, store.holding.wait, 5)
    assert service.exchange.open_orders(OWNER)  # applied in memory, not durable
    return placing


def _release(service: Service) -> None:
    store = service.store
    assert isinstance(store, HeldStore)
    store.released.set()


@pytest.mark.anyio
async def test_a_read_never_returns_a_change_whose_write_then_fails(served: Served) -> None:
    service, client = served
    before = await _read_all(client)
    placing = await _place_with_the_write_held(service, fail=True)
    reading = asyncio.create_task(_read_all(client))
    await asyncio.sleep(0.1)
    assert not reading.done()  # the reads wait: the bid is in memory only
    _release(service)
    with pytest.raises(ServiceUnavailable):
        await placing
    assert await asyncio.wait_for(reading, 5) == before  # the failed bid was never shown
    assert await _read_all(client) == before
    assert service.exchange.open_orders(OWNER) == []


@pytest.mark.anyio
async def test_a_read_waits_for_the_write_and_then_shows_the_durable_change(served: Served) -> None:
    service, client = served
    before = await _read_all(client)
    placing = await _place_with_the_write_held(service, fail=False)
    reading = asyncio.create_task(_read_all(client))
    await asyncio.sleep(0.1)
    assert not reading.done()
    assert (await client.get("/ok")).status_code == 200  # the health check is never held
    _release(service)
    assert isinstance((await placing).applied.result, OrderPlaced)
    book, price, balances = await asyncio.wait_for(reading, 5)
    assert book["bids"] == [{"price": "0.4", "size": "10"}] and before[0]["bids"] == []
    assert price == {"price": "0.4"}
    (collateral,) = balances
    assert (collateral["free"], collateral["reserved"]) == ("996", "4")
