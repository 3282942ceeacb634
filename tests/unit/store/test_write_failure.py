"""A failed write: its callers get ServiceUnavailable (500 "Internal server error" at the API), the exchange is
rebuilt from the store so that memory is never ahead of it, and the next command goes through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from openclob.assembly import build_app
from openclob.config import Limits, Settings
from openclob.core import UNIT, CreateMarket, Deposit, Exchange, OrderPlaced, PlaceOrder, Side
from openclob.edge_commands import CreateApiKey, KeyCreated, Refusal, Refused, RememberMarket
from openclob.service import Service, ServiceUnavailable
from openclob.store import Batch, StoreError
from openclob.store.records import MarketInfoRecord
from openclob.store.sqlite import SqliteStore

MARKET, YES, NO = "0x" + "e1" * 32, "501", "502"
OWNER, ADDRESS = "key-erin", "0x" + "e5" * 20
ADMIN_TOKEN = "admin-token"


class FlakyStore(SqliteStore):
    """A SQLite store whose writes, or reads too, can be made to fail."""

    fail_writes = False
    fail_reads = False

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        if self.fail_writes:
            raise StoreError("disk I/O error (simulated)")
        super().write(batch, projections)

    def _read(self, sql: str, params: object = ()) -> list[tuple[object, ...]]:
        if self.fail_reads:
            raise StoreError("connection lost (simulated)")
        return super()._read(sql, params)  # type: ignore[arg-type]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    store = FlakyStore(tmp_path / "s.db")
    settings = Settings(limits=Limits(store_rebuild_attempts=2), time_advance_interval_ms=3_600_000)
    running = Service(store, settings)
    await running.start()
    await running.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO), dynamic_tick=False))
    await running.submit(Deposit(now_ms=0, address=ADDRESS, amount=1_000 * UNIT))
    yield running
    await running.stop()


def _bid(number: int, price_units: int = 400_000) -> PlaceOrder:
    shares = 10 * UNIT
    return PlaceOrder(
        now_ms=0,
        order_id=f"0x{number:064x}",
        owner=OWNER,
        maker=ADDRESS,
        signer=ADDRESS,
        token_id=YES,
        side=Side.BUY,
        maker_amount=shares * price_units // UNIT,
        taker_amount=shares,
    )


def _store(service: Service) -> FlakyStore:
    assert isinstance(service.store, FlakyStore)
    return service.store


def _replayed_hash(service: Service) -> str:
    exchange = Exchange()
    for entry in service.store.journal():
        exchange.apply(entry.command)
    return exchange.state_hash()


@pytest.mark.anyio
async def test_every_caller_of_a_failed_batch_gets_service_unavailable_and_memory_returns_to_the_store(
    service: Service,
) -> None:
    await service.submit(_bid(1))
    before = service.exchange.state_hash()
    _store(service).fail_writes = True
    outcomes = await asyncio.gather(
        service.submit(_bid(2)),
        service.submit(_bid(3)),
        service.submit_many([_bid(4), _bid(5)]),
        return_exceptions=True,
    )
    assert all(isinstance(o, ServiceUnavailable) for o in outcomes), outcomes
    assert str(outcomes[0]) == "Internal server error"
    assert service.exchange.state_hash() == before == _replayed_hash(service)
    assert [o.order_id for o in service.exchange.open_orders(OWNER)] == [_bid(1).order_id]
    assert service.exchange.balance(ADDRESS, "COLLATERAL") == (996 * UNIT, 4 * UNIT)

    _store(service).fail_writes = False
    placed = [(await service.submit(_bid(n))).applied.result for n in (2, 6)]  # 2 was never stored: not a duplicate
    assert all(isinstance(p, OrderPlaced) for p in placed), placed
    assert service.exchange.state_hash() == _replayed_hash(service)
    assert len(service.exchange.open_orders(OWNER)) == 3


@pytest.mark.anyio
async def test_edge_state_of_a_failed_batch_is_never_shown(service: Service) -> None:
    info = MarketInfoRecord(condition_id=MARKET, question="q", description="d", market_slug="s", created_at_ms=0)
    _store(service).fail_writes = True
    with pytest.raises(ServiceUnavailable):
        await service.submit_edge(RememberMarket(info=info))
    assert MARKET not in service.edge.market_infos
    _store(service).fail_writes = False
    await service.submit_edge(RememberMarket(info=info))
    assert service.edge.market_infos[MARKET] == info


@pytest.mark.anyio
async def test_a_key_whose_batch_failed_is_forgotten_by_the_sequencer_and_can_be_created_again(
    service: Service,
) -> None:
    command = CreateApiKey(address=ADDRESS, nonce=0, api_key="key-1", secret="s", passphrase="p")
    _store(service).fail_writes = True
    with pytest.raises(ServiceUnavailable):
        await service.submit_edge(command)
    assert service.edge.api_keys == {}
    _store(service).fail_writes = False
    created = await service.submit_edge(command)
    assert isinstance(created, KeyCreated) and created.first_key
    assert service.edge.api_keys["key-1"] == created.record  # the answered caller's key authenticates at once
    assert await service.submit_edge(command) == Refused(refusal=Refusal.API_KEY_EXISTS)


@pytest.mark.anyio
async def test_the_api_answers_500_internal_server_error_when_the_write_fails(service: Service) -> None:
    app = build_app(service, master_secret=b"x" * 32, admin_token=ADMIN_TOKEN)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {"address": ADDRESS, "asset": "COLLATERAL", "amount": "5"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        _store(service).fail_writes = True
        response = await client.post("/admin/balances", json=body, headers=headers)
        assert (response.status_code, response.json()) == (500, {"error": "Internal server error"})
        assert service.exchange.balance(ADDRESS, "COLLATERAL") == (1_000 * UNIT, 0)
        _store(service).fail_writes = False
        response = await client.post("/admin/balances", json=body, headers=headers)
        assert response.status_code == 200
        assert service.exchange.balance(ADDRESS, "COLLATERAL") == (1_005 * UNIT, 0)


@pytest.mark.anyio
async def test_a_store_that_cannot_be_read_back_halts_the_service_and_stops_the_server(service: Service) -> None:
    stopped: list[bool] = []
    service.on_fatal = lambda: stopped.append(True)
    _store(service).fail_writes = _store(service).fail_reads = True
    with pytest.raises(ServiceUnavailable):
        await service.submit(_bid(1))
    assert stopped == [True] and not service.ready
    _store(service).fail_writes = _store(service).fail_reads = False
    with pytest.raises(ServiceUnavailable):  # halted: nothing more is applied, even once the store is back
        await service.submit(_bid(2))
    assert service.exchange.markets == {} and service.edge.api_keys == {}  # nothing unstored is served meanwhile
