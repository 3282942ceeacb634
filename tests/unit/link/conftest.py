"""A real Service on SQLite with a SequencerLink on a unix socket, and edges that follow it."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import pytest

from openclob.config import Limits, Settings
from openclob.core import UNIT, CreateMarket, Deposit, PlaceOrder, Side
from openclob.link import EdgeLink, Replica, SequencerLink
from openclob.service import Service
from openclob.store.base import Batch
from openclob.store.sqlite import SqliteStore

MARKET, YES, NO = "0x" + "e1" * 32, "701", "702"
START_MS = 1_750_000_000_000
ADDRESSES = tuple("0x" + f"{n:02x}" * 20 for n in range(0xA1, 0xA5))


def settings(limits: Limits | None = None) -> Settings:
    """A frozen clock at a fixed time: the same commands get the same times in any service."""
    return Settings(
        limits=limits or Limits(), time_advance_interval_ms=3_600_000, clock_mode="frozen", start_time_ms=START_MS
    )


def setup_commands() -> list[CreateMarket | Deposit]:
    """A market and collateral for every address."""
    market = CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO), dynamic_tick=False)
    return [market, *(Deposit(now_ms=0, address=a, amount=1_000 * UNIT) for a in ADDRESSES)]


def buy(number: int, address: str, token_id: str = YES, price_units: int = 500_000, shares: int = 10) -> PlaceOrder:
    """A GTC BUY of `shares` of `token_id` at `price_units`, its id made from `number`: a BUY of YES and a BUY of
    NO whose prices add up to 1 or more cross (a MINT)."""
    shares_units = shares * UNIT
    return PlaceOrder(
        now_ms=0, order_id=f"0x{number:064x}", owner=f"key-{address[-4:]}", maker=address, signer=address,
        token_id=token_id, side=Side.BUY, maker_amount=shares_units * price_units // UNIT, taker_amount=shares_units,
    )  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def socket_path() -> Iterator[str]:
    # A short directory: a unix socket's path is limited to about 100 bytes, tmp_path's can be longer.
    with tempfile.TemporaryDirectory(prefix="oclink") as directory:
        yield str(Path(directory) / "link.sock")


class GatedStore(SqliteStore):
    """A SQLite store whose journal writes wait while `gate` is clear: what is submitted meanwhile queues up."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.gate.set()

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        self.gate.wait(10)
        super().write(batch, projections)


async def start_service(path: Path, limits: Limits | None = None) -> Service:
    """A started service on a gated SQLite store at `path`."""
    service = Service(GatedStore(path), settings(limits))
    await service.start()
    return service


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    running = await start_service(tmp_path / "s.db")
    yield running
    await running.stop()


@pytest.fixture
async def link(service: Service, socket_path: str) -> AsyncIterator[SequencerLink]:
    serving = SequencerLink(service, socket_path)
    await serving.start()
    yield serving
    await serving.stop()


Join = Callable[[], Awaitable[tuple[EdgeLink, Replica]]]


@pytest.fixture
async def join(link: SequencerLink) -> AsyncIterator[Join]:
    """Connect an edge with a replica that follows every batch; every edge is closed at the end."""
    edges: list[EdgeLink] = []

    async def connect() -> tuple[EdgeLink, Replica]:
        edge = await EdgeLink.connect(link.path)
        replica = Replica(edge.joined)
        edge.listeners.append(replica.apply)
        edges.append(edge)
        return edge, replica

    yield connect
    for edge in edges:
        await edge.close()


async def caught_up(replica: Replica, service: Service) -> None:
    """Wait until `replica` has applied every batch the service made durable."""
    async with asyncio.timeout(5):
        while replica.sequence < service.sequence or service.ahead_of_store:
            await asyncio.sleep(0.005)
