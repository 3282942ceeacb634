"""A replica applies durable batches to its own exchange and refuses one that does not follow its state."""

from __future__ import annotations

from typing import Any

import pytest

from openclob.core import Exchange
from openclob.core.snapshot import export_state, known_orders
from openclob.link import Durable, Joined, Replica, ReplicaDiverged
from openclob.store.base import Batch, Journalled
from openclob.store.records import ApiKeyRecord, ClockRecord, MarketInfoRecord, RateLimitTierRecord, WalletLinkRecord
from tests.unit.link.conftest import ADDRESSES, NO, buy, setup_commands

A, B = ADDRESSES[:2]


def _key(api_key: str) -> ApiKeyRecord:
    return ApiKeyRecord(
        api_key=api_key, address=A, nonce=0, secret="s", passphrase="p", readonly=False, created_at_ms=1
    )


def _joined(exchange: Exchange, sequence: int) -> Joined:
    return Joined(
        sequence=sequence, state=export_state(exchange), known_orders=known_orders(exchange), clock=ClockRecord(),
        clock_ms=0, api_keys=[_key("old")], wallet_links=[], market_infos=[], rate_limit_tiers=[],
    )  # fmt: skip


def _journal(exchange: Exchange, commands: list, first: int) -> list[Journalled]:  # type: ignore[type-arg]
    return [
        Journalled(sequence=sequence, command=command, events=exchange.apply(command).events)
        for sequence, command in enumerate(commands, start=first)
    ]


def _durable(entries: list[Journalled], **rows: Any) -> Durable:
    """A batch as the link sends it: the entries without their events, and how many each had."""
    lean = [Journalled(sequence=e.sequence, command=e.command, events=[]) for e in entries]
    return Durable(Batch(entries=lean, **rows), [len(e.events) for e in entries])


def test_a_replica_from_a_snapshot_follows_the_batches_to_the_same_state_and_events() -> None:
    sequencer = Exchange()
    first = _journal(sequencer, [*setup_commands(), buy(1, A)], 1)
    replica = Replica(_joined(sequencer, len(first)))
    later = _journal(sequencer, [buy(2, B, NO), buy(3, A)], len(first) + 1)
    batch = replica.apply(_durable(later))
    assert replica.sequence == len(first) + 2
    assert replica.exchange.state_hash() == sequencer.state_hash()
    assert [e.events for e in batch.entries] == [e.events for e in later] and later[0].events  # given back


def test_a_batch_that_skips_an_entry_is_refused() -> None:
    sequencer = Exchange()
    first = _journal(sequencer, setup_commands(), 1)
    replica = Replica(_joined(sequencer, len(first)))
    skipped = _journal(sequencer, [buy(1, A), buy(2, A)], len(first) + 1)[1:]
    with pytest.raises(ReplicaDiverged):
        replica.apply(_durable(skipped))


def test_a_batch_whose_events_differ_from_the_replicas_is_refused() -> None:
    sequencer = Exchange()
    first = _journal(sequencer, setup_commands(), 1)
    replica = Replica(_joined(sequencer, len(first)))
    (entry,) = _journal(sequencer, [buy(1, A)], len(first) + 1)
    lean = Journalled(sequence=entry.sequence, command=entry.command, events=[])
    with pytest.raises(ReplicaDiverged):
        replica.apply(Durable(Batch(entries=[lean]), [len(entry.events) + 1]))


def test_a_batchs_edge_rows_update_the_replicas_edge_state_and_clock() -> None:
    replica = Replica(_joined(Exchange(), 0))
    replica.apply(
        _durable(
            [], api_keys=[_key("new")], deleted_api_keys=["old"],
            wallet_links=[WalletLinkRecord(signer=A, funder=B, signature_type=1)],
            market_infos=[MarketInfoRecord(condition_id="0x01", question="q", description="", market_slug="q",
                                           created_at_ms=1)],
            rate_limit_tiers=[RateLimitTierRecord(address=A, tier="pro")],
            exchange_clock=ClockRecord(frozen_at_ms=4_000_000_000_000),
        )
    )  # fmt: skip
    edge = replica.edge
    assert list(edge.api_keys) == ["new"]
    assert list(edge.wallet_links) == [(A, B)]
    assert list(edge.market_infos) == ["0x01"]
    assert edge.rate_limit_tiers == {A: "pro"}
    assert replica.clock.now_ms() == 4_000_000_000_000
