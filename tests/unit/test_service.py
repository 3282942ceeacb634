"""service.py: the sequencer cannot die silently, its queue is bounded, and stopping is bounded in time.

Any exception while a batch is applied, journalled or projected fails that batch's callers and leaves memory
equal to the store; a snapshot that fails is only logged; a sequencer that ends halts the service; a full queue
refuses at once; a store call that hangs does not keep `stop` from returning.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from openclob import service as service_module
from openclob.config import Limits, Settings
from openclob.core import (
    UNIT,
    Applied,
    Command,
    ConfigureSettlement,
    CreateMarket,
    Deposit,
    Exchange,
    OrderPlaced,
    PlaceOrder,
    ProceedsAvailableAt,
    Side,
)
from openclob.edge_commands import LinkWallet
from openclob.service import Overloaded, Recovering, Service, ServiceUnavailable, Status
from openclob.store import Batch
from openclob.store.records import WalletLinkRecord
from openclob.store.sqlite import SqliteStore

pytestmark = pytest.mark.anyio

MARKET, YES, NO = "0x" + "f1" * 32, "601", "602"
OWNER, ADDRESS = "key-fay", "0x" + "f5" * 20
LINK = WalletLinkRecord(signer=ADDRESS, funder="0x" + "f6" * 20, signature_type=1)


class HookedStore(SqliteStore):
    """A SQLite store whose writes and projections can run a hook first (to fail or to block)."""

    before_write: Callable[[Batch], None] | None = None
    before_projection: Callable[[Batch], None] | None = None

    def write(self, batch: Batch, projections: Sequence[Batch] = ()) -> None:
        if self.before_write is not None:
            self.before_write(batch)
        super().write(batch, projections)

    def write_projection(self, batch: Batch) -> None:
        if self.before_projection is not None:
            self.before_projection(batch)
        super().write_projection(batch)


def _settings(**settings: Any) -> Settings:
    limits = Limits(store_rebuild_attempts=2, **{k: settings.pop(k) for k in list(settings) if hasattr(Limits, k)})
    return Settings(limits=limits, time_advance_interval_ms=3_600_000, **settings)


async def _started(path: Path, settings: Settings | None = None) -> Service:
    running = Service(HookedStore(path / "s.db"), settings or _settings())
    running.on_fatal = lambda: None
    await running.start()
    await running.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=(YES, NO), dynamic_tick=False))
    await running.submit(Deposit(now_ms=0, address=ADDRESS, amount=1_000 * UNIT))
    return running


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    running = await _started(tmp_path)
    yield running
    await running.stop()


def _bid(number: int) -> PlaceOrder:
    return PlaceOrder(
        now_ms=0,
        order_id=f"0x{number:064x}",
        owner=OWNER,
        maker=ADDRESS,
        signer=ADDRESS,
        token_id=YES,
        side=Side.BUY,
        maker_amount=4 * UNIT,
        taker_amount=10 * UNIT,
    )


def _store(service: Service) -> HookedStore:
    assert isinstance(service.store, HookedStore)
    return service.store


def _replayed_hash(service: Service) -> str:
    exchange = Exchange()
    for entry in service.store.journal():
        exchange.apply(entry.command)
    return exchange.state_hash()


def _placed(receipt: Any) -> bool:
    return isinstance(receipt.applied.result, OrderPlaced)


async def test_an_exception_while_applying_fails_the_batch_and_memory_returns_to_the_store(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.submit(_bid(1))
    before = service.exchange.state_hash()
    apply = Exchange.apply

    def failing_apply(exchange: Exchange, command: Command) -> Applied:
        if isinstance(command, PlaceOrder) and command.order_id == _bid(3).order_id:
            raise RuntimeError("a bug in the core")
        return apply(exchange, command)

    monkeypatch.setattr(Exchange, "apply", failing_apply)
    outcomes = await asyncio.gather(service.submit(_bid(2)), service.submit(_bid(3)), return_exceptions=True)
    assert [type(o) for o in outcomes] == [ServiceUnavailable, ServiceUnavailable]
    assert service.exchange.state_hash() == before == _replayed_hash(service)  # bid 2, applied first, is gone too
    assert service.status is Status.READY and service.sequencer_running
    monkeypatch.setattr(Exchange, "apply", apply)
    assert _placed(await service.submit(_bid(2)))
    assert service.exchange.state_hash() == _replayed_hash(service)


@pytest.mark.parametrize("error", [OverflowError("Python int too large to convert to SQLite INTEGER"), KeyError("x")])
async def test_any_exception_in_the_journal_write_fails_the_batch_and_the_sequencer_goes_on(
    service: Service, error: Exception
) -> None:
    before = service.exchange.state_hash()

    def fail(batch: Batch) -> None:
        raise error

    _store(service).before_write = fail
    with pytest.raises(ServiceUnavailable):
        await service.submit(_bid(1))
    assert service.exchange.state_hash() == before == _replayed_hash(service)
    _store(service).before_write = None
    assert _placed(await service.submit(_bid(1)))


async def test_an_exception_in_the_projection_keeps_the_durable_answer_and_recovery_writes_the_rows(
    service: Service,
) -> None:
    def fail(batch: Batch) -> None:
        raise ValueError("a bug in the projection")

    await service.read(lambda: None)  # the earlier batches are projected: only the next one meets the hook
    _store(service).before_projection = fail
    assert _placed(await service.submit(_bid(1)))  # answered: its journal is durable
    _store(service).before_projection = None
    record = await service.read(service.store.order, _bid(1).order_id)  # the rebuild projected it
    assert record is not None and record.status == "LIVE"
    assert _placed(await service.submit(_bid(2)))
    assert service.exchange.state_hash() == _replayed_hash(service)


async def test_a_snapshot_that_cannot_be_taken_is_logged_and_the_exchange_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    running = await _started(tmp_path, _settings(snapshot_interval_commands=3))

    def broken(exchange: Exchange) -> bytes:
        raise OverflowError("int too big to convert")

    monkeypatch.setattr(service_module, "export_state", broken)
    try:
        for number in range(1, 6):
            assert _placed(await running.submit(_bid(number)))
        assert "taking a snapshot" in caplog.text
        assert running.exchange.state_hash() == _replayed_hash(running)
    finally:
        await running.stop()


async def test_a_sequencer_that_ends_halts_the_service_and_asks_the_process_to_stop(service: Service) -> None:
    stopped: list[bool] = []
    service.on_fatal = lambda: stopped.append(True)
    assert service._sequencer is not None
    service._sequencer.cancel()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert stopped == [True]
    assert service.status is Status.HALTED and not service.sequencer_running
    assert service.failure == "the sequencer stopped: it was cancelled"
    with pytest.raises(ServiceUnavailable):
        await service.submit(_bid(1))


async def test_before_recovery_submissions_are_refused_as_recovering(tmp_path: Path) -> None:
    waiting = Service(HookedStore(tmp_path / "s.db"), _settings())
    assert waiting.status is Status.RECOVERING
    with pytest.raises(Recovering):
        await waiting.submit(_bid(1))
    with pytest.raises(Recovering):
        await waiting.submit_edge(LinkWallet(link=LINK))


async def test_a_store_that_cannot_be_opened_halts_the_start_with_a_one_line_reason(tmp_path: Path) -> None:
    (tmp_path / "s.db").write_bytes(b"this is not a database" * 100)
    broken = Service(HookedStore(tmp_path / "s.db"), _settings())
    with pytest.raises(Exception, match="not a database"):
        await broken.start()
    assert broken.status is Status.HALTED
    assert broken.failure is not None and "\n" not in broken.failure
    assert broken.failure.startswith("recovering the exchange from the store failed: StoreError")


async def test_past_the_queue_bound_submissions_are_refused_at_once_all_or_none(tmp_path: Path) -> None:
    running = await _started(tmp_path, _settings(max_queued_commands=3))
    release = threading.Event()
    _store(running).before_write = lambda batch: release.wait(10) and None
    try:
        first = asyncio.ensure_future(running.submit(_bid(1)))  # taken by the sequencer, its write blocked
        await asyncio.sleep(0.05)
        queued = [asyncio.ensure_future(running.submit(_bid(n))) for n in (2, 3)]
        await asyncio.sleep(0)
        assert running.queued_commands == 2
        with pytest.raises(Overloaded):
            await running.submit_many([_bid(4), _bid(5)])  # only one would fit: none is queued
        assert running.queued_commands == 2
        third = asyncio.ensure_future(running.submit(_bid(6)))  # one more fits
        await asyncio.sleep(0)
        with pytest.raises(Overloaded):
            await running.submit_edge(LinkWallet(link=LINK))
        queued.append(third)
    finally:
        release.set()
    # once the blocked batch is written, everything queued goes through
    assert all(_placed(r) for r in await asyncio.gather(first, *queued))
    assert [o.order_id for o in running.exchange.open_orders(OWNER)] == [_bid(n).order_id for n in (1, 2, 3, 6)]
    await running.stop()


async def test_stop_returns_even_when_a_store_write_hangs_and_fails_the_waiting_callers(tmp_path: Path) -> None:
    running = await _started(tmp_path, _settings(stop_timeout_ms=200))
    release = threading.Event()
    _store(running).before_write = lambda batch: release.wait(10) and None
    try:
        hung = asyncio.ensure_future(running.submit(_bid(1)))
        waiting = asyncio.ensure_future(running.submit(_bid(2)))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(running.stop(), 5)
        for caller in (hung, waiting):
            with pytest.raises(ServiceUnavailable):
                await caller
    finally:
        release.set()


# ---------------------------------------------------------------- settlement settings and the clock at start


def _configurations(service: Service) -> list[ConfigureSettlement]:
    return [e.command for e in service.store.journal() if isinstance(e.command, ConfigureSettlement)]


async def test_settlement_flags_are_journalled_only_when_they_change_so_replay_needs_no_flags(tmp_path: Path) -> None:
    lagged = _settings(settlement_delay_ms=5_000, proceeds_available_at="mined")
    await (await _started(tmp_path, lagged)).stop()
    again = await _started(tmp_path, lagged)
    assert [(c.delay_ms, c.proceeds_available_at) for c in _configurations(again)] == [
        (5_000, ProceedsAvailableAt.MINED)
    ]
    await again.stop()
    plain = await _started(tmp_path)
    assert plain.exchange.settlement() == (0, False)
    assert len(_configurations(plain)) == 2
    assert _replayed_hash(plain) == plain.exchange.state_hash()
    await plain.stop()


@pytest.mark.parametrize(
    "wrong",
    [
        {"settlement_delay_ms": -1},
        {"proceeds_available_at": "confirmed"},
        {"clock_mode": "fast"},
        {"start_time_ms": -1},
    ],
)
def test_time_settings_the_exchange_cannot_take_are_refused_when_the_service_is_built(
    tmp_path: Path, wrong: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=next(iter(wrong))):
        Service(HookedStore(tmp_path / "s.db"), Settings(**wrong))


async def test_failed_store_writes_and_projections_are_counted_and_batches_and_commits_observed(
    service: Service,
) -> None:
    from openclob.metrics import Metrics
    from tests.unit.api.test_metrics import parse, value

    metrics = service.metrics = Metrics()

    def fail(batch: Batch) -> None:
        raise ValueError("the disk is gone")

    await service.read(lambda: None)
    _store(service).before_write = fail
    with pytest.raises(ServiceUnavailable):
        await service.submit(_bid(1))
    _store(service).before_write = None

    def fail_once(batch: Batch) -> None:
        _store(service).before_projection = None  # (the rebuild after it projects the batch)
        fail(batch)

    _store(service).before_projection = fail_once
    assert _placed(await service.submit(_bid(2)))
    await service.read(lambda: None)  # once the projection failed and the rebuild wrote it
    await asyncio.gather(*(service.submit(_bid(n)) for n in range(3, 8)))
    samples = parse(metrics.render().decode())
    assert value(samples, "openclob_store_errors_total", operation="write") == 1
    assert value(samples, "openclob_store_errors_total", operation="projection") == 1
    assert value(samples, "openclob_orders_accepted_total") == 6  # the failed batch is not counted
    assert value(samples, "openclob_sequencer_batch_size_sum") >= 6
    assert value(samples, "openclob_journal_commit_seconds_count") >= 2
