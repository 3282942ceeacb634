"""Every message of the link survives its frame, and a frame that is not a message is refused."""

from __future__ import annotations

import asyncio
import typing
from pathlib import Path

import msgspec
import pytest

import openclob
from openclob.core import Exchange
from openclob.core.snapshot import export_state
from openclob.edge_commands import CreateApiKey, KeyCreated
from openclob.faults import Active, Rule
from openclob.link import Answered, Durable, FrameError, Joined, Refusal, RefusalKind, Submit, frame
from openclob.link.frames import EDGE_MESSAGES, HEADER_BYTES, SEQUENCER_MESSAGES, FrameReader
from openclob.link.messages import (
    AnsweredEdge,
    EdgeMessage,
    FaultRules,
    FaultsFired,
    MetricsAsked,
    MetricsTold,
    Projected,
    SequencerMessage,
    SubmitEdge,
    Sync,
    Synced,
)
from openclob.metrics import Family
from openclob.service import Overloaded, Receipt, Recovering, ServiceUnavailable, settlement_reference
from openclob.store.base import Batch, Journalled
from openclob.store.records import ApiKeyRecord, ClockRecord, MarketInfoRecord, RateLimitTierRecord, WalletLinkRecord
from tests.unit.link.conftest import ADDRESSES, buy, setup_commands

A, B = ADDRESSES[:2]
KEY = ApiKeyRecord(
    api_key="k1", address=A, nonce=0, secret="s", passphrase="p", readonly=False, created_at_ms=1
)  # fmt: skip
LINK = WalletLinkRecord(signer=A, funder=B, signature_type=1)
INFO = MarketInfoRecord(condition_id="0x01", question="q?", description="d", market_slug="q", created_at_ms=1)
TIER = RateLimitTierRecord(address=A, tier="pro")


def _traded() -> tuple[list[Journalled], list[Receipt]]:
    """Journal entries and receipts of a market, deposits and two crossing orders (a trade)."""
    exchange = Exchange()
    entries, receipts = [], []
    for sequence, command in enumerate([*setup_commands(), buy(1, A), buy(2, B, "702")], start=1):
        applied = exchange.apply(command)
        entries.append(Journalled(sequence=sequence, command=command, events=applied.events))
        receipts.append(Receipt(applied, settlement_reference(1, sequence)))
    return entries, receipts


def _messages() -> list[EdgeMessage | SequencerMessage]:
    entries, receipts = _traded()
    batch = Batch(
        entries=entries, api_keys=[KEY], deleted_api_keys=["k0"], wallet_links=[LINK], market_infos=[INFO],
        rate_limit_tiers=[TIER], killed_orders=[buy(3, A)], exchange_clock=ClockRecord(offset_ms=5),
        settlement_reference=settlement_reference(1, len(entries)), written_at_ms=7,
    )  # fmt: skip
    joined = Joined(
        sequence=3, state=export_state(Exchange()), known_orders={"0x1": "key-a"}, clock=ClockRecord(frozen_at_ms=9),
        clock_ms=9, api_keys=[KEY], wallet_links=[LINK], market_infos=[INFO], rate_limit_tiers=[TIER],
    )  # fmt: skip
    rule = Active(id=4, rule=Rule(kind="ws_stall", channel="market", duration_ms=100, count=2), added_at_ms=1, left=2)
    family = Family("openclob_trades", "counter", "Trades", [("openclob_trades_total", {"kind": "MINT"}, 2.0)])
    created = KeyCreated(record=KEY, first_key=True)
    return [
        Submit(1, [entry.command for entry in entries]),
        SubmitEdge(5, CreateApiKey(address=A, nonce=0, api_key="k1", secret="s", passphrase="p")),
        FaultsFired({4: 1}, 6),
        MetricsTold(7, [family]),
        Sync(8),
        joined,
        Durable(batch, [len(e.events) for e in batch.entries]),
        Answered(2, receipts=receipts),
        *(Answered(3, refusal=Refusal(kind, "why")) for kind in RefusalKind),
        AnsweredEdge(5, result=created),
        AnsweredEdge(5, result=None),
        AnsweredEdge(5, refusal=Refusal(RefusalKind.OVERLOADED, "busy")),
        Projected(9),
        FaultRules([rule], 6),
        MetricsAsked(7),
        Synced(8),
    ]


async def _read_all(data: bytes, decoder: msgspec.msgpack.Decoder[object], max_bytes: int = 2**20) -> list[object]:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = FrameReader(reader, decoder, max_bytes)
    read = []
    while (message := await frames.read()) is not None:
        read.append(message)
    return read


@pytest.mark.anyio
async def test_every_message_round_trips_through_its_frame() -> None:
    messages = _messages()
    edge_messages, sequencer_messages = messages[:5], messages[5:]
    assert await _read_all(b"".join(frame(m) for m in edge_messages), EDGE_MESSAGES) == edge_messages
    assert await _read_all(b"".join(frame(m) for m in sequencer_messages), SEQUENCER_MESSAGES) == sequencer_messages
    kinds = {type(m) for m in messages}
    assert kinds == {*typing.get_args(EdgeMessage), *typing.get_args(SequencerMessage)}  # every kind is here


def test_a_refusal_gives_back_the_exception_the_service_raised() -> None:
    raised = {kind: Refusal(kind, "why").error() for kind in RefusalKind}
    assert [type(error) for error in raised.values()] == [Overloaded, Recovering, ServiceUnavailable]
    assert all(str(error) == "why" for error in raised.values())


@pytest.mark.anyio
@pytest.mark.parametrize(
    "data",
    [
        (3).to_bytes(HEADER_BYTES, "big") + b"\xc1\xc1\xc1",
        frame(Answered(1)),  # a sequencer's message, where an edge's is read
        (2**20 + 1).to_bytes(HEADER_BYTES, "big"),
    ],
)
async def test_a_frame_that_is_not_an_edge_message_or_too_long_is_refused(data: bytes) -> None:
    with pytest.raises(FrameError):
        await _read_all(data, EDGE_MESSAGES)


@pytest.mark.anyio
async def test_a_stream_that_ends_inside_a_frame_is_an_incomplete_read() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await _read_all(frame(Answered(1))[:-1], SEQUENCER_MESSAGES)


def test_the_link_imports_neither_the_http_nor_the_websocket_layer() -> None:
    root = Path(openclob.__file__).parent
    text = "\n".join(path.read_text() for path in (root / "link").glob("*.py"))
    assert "openclob.api" not in text
    assert "openclob.ws" not in text
