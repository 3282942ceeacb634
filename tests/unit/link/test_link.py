"""Edges submit through the link and follow its durable batches; their replicas equal the sequencer's exchange."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openclob.config import Limits
from openclob.core import UNIT, Deposit, OrderPlaced
from openclob.link import EdgeLink, Replica, SequencerLink
from openclob.link.frames import HEADER_BYTES
from openclob.service import Overloaded, Receipt, Recovering, Service, ServiceUnavailable, Status
from tests.unit.link.conftest import (
    ADDRESSES,
    NO,
    YES,
    GatedStore,
    Join,
    buy,
    caught_up,
    setup_commands,
    start_service,
)

A, B, C, D = ADDRESSES


def _gate(service: Service) -> GatedStore:
    assert isinstance(service.store, GatedStore)
    return service.store


async def _writing(service: Service) -> None:
    """Wait until the sequencer is inside a batch's journal write."""
    async with asyncio.timeout(5):
        while not service.ahead_of_store:
            await asyncio.sleep(0.001)


def _placed(receipt: Receipt) -> OrderPlaced:
    result = receipt.applied.result
    assert isinstance(result, OrderPlaced), result
    return result


@pytest.mark.anyio
async def test_receipts_through_the_link_equal_those_of_a_direct_submit(join: Join, tmp_path: Path) -> None:
    edge, _ = await join()
    commands = [*setup_commands(), buy(1, A, YES, 600_000), buy(2, B, NO, 400_000), buy(3, C, NO, 450_000)]
    linked = [await edge.submit(command) for command in commands]

    direct_service = await start_service(tmp_path / "direct.db")
    try:
        direct = [await direct_service.submit(command) for command in commands]
    finally:
        await direct_service.stop()
    assert [(r.applied.result, r.settlement_reference) for r in linked] == [
        (r.applied.result, r.settlement_reference) for r in direct
    ]
    assert all(r.applied.events == [] for r in linked)  # the events went to the edge's replica with the batch
    assert _placed(linked[-2]).trade_ids  # the NO buy at 0.40 crossed the YES buy at 0.60


@pytest.mark.anyio
async def test_two_edges_submitting_at_once_share_batches_and_both_replicas_equal_the_sequencer(
    service: Service, join: Join
) -> None:
    (first, first_replica), (second, second_replica) = await join(), await join()
    await first.submit_many(setup_commands())
    gate = _gate(service)
    gate.gate.clear()
    blocker = asyncio.create_task(first.submit(Deposit(now_ms=0, address=D, amount=UNIT)))
    await _writing(service)
    yes = [first.submit(buy(n, A, YES, 400_000 + n * 10_000)) for n in range(10, 20)]
    no = [second.submit_many([buy(n, B, NO, 500_000), buy(n + 100, C, NO, 490_000)]) for n in range(20, 30)]
    yes_answers, no_answers = asyncio.gather(*yes), asyncio.gather(*no)
    await asyncio.sleep(0.05)  # every submission reaches the sequencer's queue while the blocker is written
    gate.gate.set()
    await blocker
    yes_receipts = await yes_answers
    no_receipts = [receipt for pair in await no_answers for receipt in pair]

    assert {r.settlement_reference for r in yes_receipts} & {r.settlement_reference for r in no_receipts}
    assert all(_placed(receipt) for receipt in yes_receipts)
    trades = {trade for receipt in no_receipts for trade in _placed(receipt).trade_ids}
    assert trades
    await caught_up(first_replica, service)
    await caught_up(second_replica, service)
    assert first_replica.exchange.state_hash() == service.exchange.state_hash()
    assert second_replica.exchange.state_hash() == service.exchange.state_hash()
    assert first_replica.sequence == second_replica.sequence == service.sequence


@pytest.mark.anyio
async def test_an_answer_comes_after_the_batch_that_stored_it_so_the_edge_reads_its_own_write(
    service: Service, join: Join
) -> None:
    edge, replica = await join()
    await edge.submit_many(setup_commands())
    placed = _placed(await edge.submit(buy(1, A, YES)))
    assert replica.exchange.order(placed.order_id) is not None  # no wait: the batch came before the answer
    assert replica.sequence == service.sequence


@pytest.mark.anyio
async def test_after_a_sync_an_edge_has_every_change_another_edge_was_answered_for(join: Join) -> None:
    writer, _ = await join()
    reader, replica = await join()
    await writer.submit_many(setup_commands())
    for n in range(1, 21):
        placed = _placed(await writer.submit(buy(n, A, YES)))
        await reader.sync()  # the reads of a client that was answered on the other edge
        assert replica.exchange.order(placed.order_id) is not None
    await reader.close()
    with pytest.raises(ServiceUnavailable):
        await reader.sync()


@pytest.mark.anyio
async def test_a_full_queue_refuses_the_whole_submission_with_overloaded(tmp_path: Path, socket_path: str) -> None:
    service = await start_service(tmp_path / "small.db", Limits(max_queued_commands=2))
    link = SequencerLink(service, socket_path)
    await link.start()
    edge = await EdgeLink.connect(socket_path)
    try:
        with pytest.raises(Overloaded):
            await edge.submit_many(setup_commands())  # 5 commands, room for 2
        assert service.exchange.markets == {}
        await edge.submit_many(setup_commands()[:2])
        assert len(service.exchange.markets) == 1
    finally:
        await edge.close()
        await link.stop()
        await service.stop()


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "error"), [(Status.RECOVERING, Recovering), (Status.STOPPING, ServiceUnavailable)])
async def test_a_service_that_does_not_take_submissions_refuses_with_its_own_exception(
    service: Service, join: Join, status: Status, error: type[Exception]
) -> None:
    edge, _ = await join()
    service.status = status
    try:
        with pytest.raises(error):
            await edge.submit(setup_commands()[0])
    finally:
        service.status = Status.READY
    assert edge.connected


@pytest.mark.anyio
async def test_an_edge_that_leaves_mid_flight_loses_its_answers_only(
    service: Service, link: SequencerLink, join: Join
) -> None:
    (leaving, _), (staying, replica) = await join(), await join()
    await staying.submit_many(setup_commands())
    gate = _gate(service)
    gate.gate.clear()
    pending = asyncio.create_task(leaving.submit(buy(1, A, YES, 600_000)))
    await _writing(service)
    await leaving.close()
    with pytest.raises(ServiceUnavailable):
        await pending
    gate.gate.set()
    crossing = _placed(await staying.submit(buy(2, B, NO, 400_000)))

    assert crossing.trade_ids  # it met the order of the edge that left: that order was applied all the same
    assert link.edges == 1
    await caught_up(replica, service)
    assert replica.exchange.state_hash() == service.exchange.state_hash()
    assert "closed by the edge" in await leaving.wait_closed()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "garbage",
    [
        (5).to_bytes(HEADER_BYTES, "big") + b"\xc1\xc1\xc1\xc1\xc1",  # not msgpack
        (2).to_bytes(HEADER_BYTES, "big") + b"\x91\x01",  # msgpack, not a message
        (2**31).to_bytes(HEADER_BYTES, "big"),  # longer than allowed
    ],
)
async def test_a_malformed_frame_closes_only_its_connection(
    service: Service, link: SequencerLink, join: Join, garbage: bytes
) -> None:
    edge, replica = await join()
    reader, writer = await asyncio.open_unix_connection(link.path)
    await reader.readexactly(HEADER_BYTES)  # its Joined is on the way: it is an edge like any other
    writer.write(garbage)
    async with asyncio.timeout(5):
        while not reader.at_eof():
            await reader.read(65_536)
    writer.close()

    await edge.submit_many(setup_commands())
    assert link.edges == 1
    assert edge.connected
    assert replica.exchange.state_hash() == service.exchange.state_hash()


@pytest.mark.anyio
async def test_an_edge_joining_late_starts_from_the_sequencers_state_and_converges(
    service: Service, join: Join
) -> None:
    early, _ = await join()
    await early.submit_many(setup_commands())
    resting = [_placed(await early.submit(buy(n, A, YES, 500_000 + n * 10_000))).order_id for n in range(1, 6)]
    await early.submit(buy(9, B, NO, 300_000))  # rests: nothing bids 0.70 for YES

    late, late_replica = await join()
    assert late_replica.sequence == service.sequence
    assert late_replica.exchange.state_hash() == service.exchange.state_hash()
    crossing = _placed(await late.submit(buy(10, C, NO, 500_000, shares=30)))
    assert len(crossing.trade_ids) >= 1
    assert all(late_replica.exchange.order(order_id) is None for order_id in resting[-3:])  # filled, off the book
    await early.submit(buy(11, D, YES, 700_000))  # meets the resting NO buy of the first batches
    await caught_up(late_replica, service)
    assert late_replica.exchange.state_hash() == service.exchange.state_hash()


@pytest.mark.anyio
async def test_an_edge_that_does_not_read_is_disconnected_without_holding_the_sequencer(
    tmp_path: Path, socket_path: str
) -> None:
    service = await start_service(tmp_path / "slow.db", Limits(link_edge_buffer_max_bytes=4_096))
    link = SequencerLink(service, socket_path)
    await link.start()
    _reader, writer = await asyncio.open_unix_connection(socket_path)  # never reads a byte
    edge = await EdgeLink.connect(socket_path)
    replica = Replica(edge.joined)
    edge.listeners.append(replica.apply)
    try:
        deposits = [Deposit(now_ms=0, address=A, amount=UNIT) for _ in range(500)]
        async with asyncio.timeout(20):
            while link.edges == 2:
                await edge.submit_many(list(deposits))  # answered every time: the sequencer never waits
        assert link.edges == 1
        assert edge.connected
        await caught_up(replica, service)
        assert replica.exchange.state_hash() == service.exchange.state_hash()
    finally:
        writer.close()
        await edge.close()
        await link.stop()
        await service.stop()


@pytest.mark.anyio
async def test_when_the_sequencer_goes_away_pending_submissions_fail_and_the_edge_learns_it(
    service: Service, link: SequencerLink, join: Join
) -> None:
    edge, _ = await join()
    await edge.submit_many(setup_commands())
    gate = _gate(service)
    gate.gate.clear()
    pending = asyncio.create_task(edge.submit(buy(1, A)))
    await _writing(service)
    await link.stop()
    with pytest.raises(ServiceUnavailable):
        await pending
    assert "link" in await edge.wait_closed()
    assert not edge.connected
    with pytest.raises(ServiceUnavailable):
        await edge.submit(buy(2, A))
    gate.gate.set()


@pytest.mark.anyio
async def test_connecting_to_no_sequencer_raises_service_unavailable(socket_path: str) -> None:
    with pytest.raises(ServiceUnavailable):
        await EdgeLink.connect(socket_path)
