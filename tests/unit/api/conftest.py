"""Shared fixtures for in-process API tests: a fake store, a running service and an httpx client.

The app runs through `httpx.ASGITransport`, which does not run the ASGI lifespan, so the fixtures start
and stop the service themselves around each test.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from py_clob_client.headers.headers import create_level_1_headers
from py_clob_client.signer import Signer

from openclob.assembly import build_app
from openclob.config import Limits, Settings
from openclob.core import UNIT, CreateMarket, Deposit, OrderPlaced, PlaceOrder, Rejected, Side, Split, Trade
from openclob.crypto import build_hmac_signature
from openclob.edge_commands import RememberMarket
from openclob.service import Service
from openclob.store.base import Batch, Journalled
from openclob.store.convert import trade_record
from openclob.store.data_api_queries import activity_from_row
from openclob.store.projection import project_entries
from openclob.store.records import (
    ActivityRecord,
    ApiKeyRecord,
    ClockRecord,
    MarketInfoRecord,
    NotificationRecord,
    OrderRecord,
    PricePointRecord,
    RateLimitTierRecord,
    TradeRecord,
    WalletLinkRecord,
)
from tests.unit.store.conftest import StoreFactory, new_store

__all__ = ["new_store"]  # the store fixture, on SQLite and PostgreSQL, for `stored`

START_MS = 1_700_000_000_000
CONDITION = "0x" + "c1" * 32
YES, NO = "1111", "2222"
OTHER_CONDITION = "0x" + "c2" * 32
OTHER_YES, OTHER_NO = "3333", "4444"


class FakeStore:
    """An in-memory store with just what the API tests need: batches are kept, trades become records.

    Price points are not derived from trades: tests put them in `price_points` directly.
    """

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.trade_records: list[TradeRecord] = []
        """Oldest first."""
        self.price_points: list[PricePointRecord] = []

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def journal(self) -> Iterator[Journalled]:
        return iter(())

    def last_sequence(self) -> int:
        return 0

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        self.batches.append(batch)
        for entry in batch.entries:
            for event in entry.events:
                if isinstance(event, Trade):
                    self.trade_records.append(trade_record(event, batch.settlement_reference))

    def write_projection(self, batch: Batch) -> None:
        pass

    def unprojected_batches(self) -> list[tuple[int, int]]:
        return []

    def api_keys(self) -> list[ApiKeyRecord]:
        return []

    def wallet_links(self) -> list[WalletLinkRecord]:
        return []

    def market_infos(self) -> list[MarketInfoRecord]:
        return []

    def rate_limit_tiers(self) -> list[RateLimitTierRecord]:
        return []

    def exchange_clock(self) -> ClockRecord | None:
        return None

    def order(self, order_id: str) -> OrderRecord | None:
        return None

    def orders(self, owner: str, **filters: Any) -> list[OrderRecord]:
        return []

    def trades(self, owner: str, **filters: Any) -> list[TradeRecord]:
        return []

    def market_trades(self, condition_id: str, limit: int) -> list[TradeRecord]:
        found = [t for t in reversed(self.trade_records) if t.condition_id == condition_id]
        return found[:limit]

    def notifications(self, owner: str) -> list[NotificationRecord]:
        return []

    def price_history(self, token_id: str, start_ms: int, end_ms: int) -> list[PricePointRecord]:
        points = [p for p in self.price_points if p.token_id == token_id and start_ms <= p.at_ms <= end_ms]
        return sorted(points, key=lambda p: p.at_ms)

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
        """The projection's activity rows of every batch written, filtered as the SQL stores do."""
        rows = [row for batch in self.batches for row in project_entries(batch).activity if row[0] == address]
        found = [activity_from_row(row) for row in rows]
        found = [
            r
            for r in found
            if (not types or r.type in types)
            and (not condition_ids or r.condition_id in condition_ids)
            and not (taker_only and r.type == "TRADE" and not r.taker)
            and (side is None or r.side == side)
            and (start_ms is None or r.at_ms >= start_ms)
            and (end_ms is None or r.at_ms <= end_ms)
        ]
        if not oldest_first:
            found.reverse()
        return found[offset : offset + limit]

    def tape(self, *, limit: int, offset: int = 0, condition_ids: Sequence[str] = ()) -> list[TradeRecord]:
        found = [t for t in reversed(self.trade_records) if not condition_ids or t.condition_id in condition_ids]
        return found[offset : offset + limit]

    def market_volumes(
        self, condition_ids: Sequence[str] | None = None, since_ms: Sequence[int] = ()
    ) -> dict[str, tuple[int, ...]]:
        totals: dict[str, list[int]] = {}
        for trade in self.trade_records:
            if condition_ids is None or trade.condition_id in condition_ids:
                found = totals.setdefault(trade.condition_id, [0] * (1 + len(since_ms)))
                found[0] += trade.collateral_units
                for i, since in enumerate(since_ms, start=1):
                    found[i] += trade.collateral_units if trade.matched_at_ms >= since else 0
        return {condition_id: tuple(found) for condition_id, found in totals.items()}


@dataclass
class Clock:
    """A settable clock in unix milliseconds."""

    now_ms: int = START_MS

    def __call__(self) -> int:
        return self.now_ms


@dataclass(frozen=True)
class User:
    owner: str
    address: str


ALICE = User("11111111-1111-4111-8111-111111111111", "0x" + "a1" * 20)
BOB = User("22222222-2222-4222-8222-222222222222", "0x" + "b2" * 20)

_order_ids = itertools.count(1)


def units(text: str) -> int:
    """ "0.55" -> 550_000, without floats."""
    whole, _, frac = text.partition(".")
    return int(whole) * UNIT + int((frac + "000000")[:6])


@dataclass
class Env:
    """A running service with its fake store, clock and a client for its app."""

    service: Service
    store: FakeStore
    clock: Clock
    client: httpx.AsyncClient

    async def list_market(
        self,
        condition_id: str = CONDITION,
        token_ids: tuple[str, str] = (YES, NO),
        *,
        question: str = "Will it rain?",
        slug: str = "will-it-rain",
        **settings: Any,
    ) -> None:
        """Create a market in the core and its words at the edge, as the admin API does."""
        result = await self.service.submit(
            CreateMarket(now_ms=0, condition_id=condition_id, token_ids=token_ids, **settings)
        )
        assert not isinstance(result.applied.result, Rejected), result.applied.result
        info = MarketInfoRecord(
            condition_id=condition_id,
            question=question,
            description=f"Resolves Yes if {question}",
            market_slug=slug,
            created_at_ms=self.clock.now_ms,
            end_date_iso="2030-01-01T00:00:00Z",
        )
        await self.service.submit_edge(RememberMarket(info=info))

    async def fund(self, user: User, condition_id: str = CONDITION) -> None:
        """Give `user` 10,000 collateral and 1,000 of each token of the market."""
        await self.service.submit(Deposit(now_ms=0, address=user.address, amount=10_000 * UNIT))
        await self.service.submit(Split(now_ms=0, address=user.address, condition_id=condition_id, amount=1_000 * UNIT))

    async def place(self, user: User, token_id: str, side: Side, price: str, size: str) -> OrderPlaced:
        """Place a GTC limit order with amounts as py-clob-client builds them; fail the test if refused."""
        shares = units(size)
        collateral = shares * units(price) // UNIT
        maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
        command = PlaceOrder(
            now_ms=0,
            order_id=f"0x{next(_order_ids):064x}",
            owner=user.owner,
            maker=user.address,
            signer=user.address,
            token_id=token_id,
            side=side,
            maker_amount=maker,
            taker_amount=taker,
        )
        result = (await self.service.submit(command)).applied.result
        assert isinstance(result, OrderPlaced), result
        return result


@asynccontextmanager
async def running(limits: Limits | None = None) -> AsyncIterator[Env]:
    """A started service behind the app, stopped on exit."""
    store = FakeStore()
    clock = Clock()
    settings = Settings(limits=limits or Limits())
    service = Service(store, settings, clock=clock)
    app = build_app(service, master_secret=b"x" * 32, admin_token="admin-token")
    await service.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Env(service, store, clock, client)
    finally:
        await service.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with running() as started:
        yield started


@pytest.fixture
async def market_env(env: Env) -> Env:
    """`env` with the YES/NO market listed and ALICE and BOB funded."""
    await env.list_market()
    await env.fund(ALICE)
    await env.fund(BOB)
    return env


# ---------------------------------------------------------------------------- on a real store

ADMIN_TOKEN = "admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
STORED_CONDITION = "0x" + "d1" * 32
STORED_YES, STORED_NO = "5551", "5552"


def l2_headers(creds: dict[str, str], address: str, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """L2 headers signing exactly `body` (py-clob-client's helper signs a re-serialized body instead)."""
    timestamp = str(int(time.time()))
    return {
        "POLY_ADDRESS": address,
        "POLY_API_KEY": creds["apiKey"],
        "POLY_PASSPHRASE": creds["passphrase"],
        "POLY_TIMESTAMP": timestamp,
        "POLY_SIGNATURE": build_hmac_signature(creds["secret"], timestamp, method, path, body),
    }


@dataclass
class Stored:
    """The app on a real store (wall clock), with a market listed and a wallet that has API credentials.

    `keeps_working` is what every refusal of hostile input is followed by: a write succeeds, and the exchange
    restarts on the same store with that write in it and takes writes again.
    """

    new_store: StoreFactory
    service: Service
    client: httpx.AsyncClient
    signer: Signer
    creds: dict[str, str]
    condition_id: str = STORED_CONDITION
    deposits: int = 0

    @property
    def address(self) -> str:
        return self.signer.address().lower()

    def l2(self, method: str, path: str, body: bytes = b"") -> dict[str, str]:
        return l2_headers(self.creds, self.address, method, path, body)

    async def deposit(self) -> None:
        body = {"address": self.address, "asset": "COLLATERAL", "amount": "1"}
        response = await self.client.post("/admin/balances", json=body, headers=ADMIN)
        assert response.status_code == 200, response.text
        self.deposits += 1
        assert response.json()["balance"] == f"{self.deposits}"

    async def keeps_working(self) -> None:
        await self.deposit()
        await self.restart()
        await self.deposit()

    async def restart(self) -> None:
        await self.service.stop()
        self.service = Service(self.new_store(), Settings())
        await self.service.start()
        app = build_app(self.service, master_secret=b"x" * 32, admin_token=ADMIN_TOKEN)
        await self.client.aclose()
        self.client = _client(app)


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def stored(new_store: StoreFactory) -> AsyncIterator[Stored]:
    """`Stored` on SQLite and on PostgreSQL."""
    service = Service(new_store(), Settings())
    await service.start()
    client = _client(build_app(service, master_secret=b"x" * 32, admin_token=ADMIN_TOKEN))
    market = {"question": "Will it snow?", "condition_id": STORED_CONDITION, "token_ids": [STORED_YES, STORED_NO]}
    assert (await client.post("/admin/markets", json=market, headers=ADMIN)).status_code == 200
    signer = Signer("0x" + "5e" * 32, 137)
    response = await client.post("/auth/api-key", headers=create_level_1_headers(signer))
    assert response.status_code == 200, response.text
    harness = Stored(new_store, service, client, signer, response.json())
    try:
        yield harness
    finally:
        await harness.client.aclose()
        await harness.service.stop()
