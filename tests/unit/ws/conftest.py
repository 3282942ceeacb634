"""A hub on a service that is never started: tests apply commands to its exchange and publish batches by hand."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import msgspec
import pytest

from openclob.config import Limits, Settings
from openclob.core import Command, ConfigureSettlement, Event, Rejected
from openclob.service import Service
from openclob.store.base import Batch, Journalled
from openclob.store.records import ApiKeyRecord, MarketInfoRecord
from openclob.ws.hub import Hub
from tests.unit.core.conftest import CONDITION, new_exchange

START_MS = 1_700_000_000_000
SETTLEMENT_DELAY_MS = 3_600_000


@dataclass
class Harness:
    """An exchange behind a hub; `publish` applies commands and hands them to the hub as one durable batch."""

    service: Service
    hub: Hub
    now_ms: int = START_MS
    sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def entry(self, command: Command) -> Journalled:
        """Apply one command at the next millisecond; return it journalled."""
        self.now_ms += 1
        stamped = msgspec.structs.replace(command, now_ms=self.now_ms)
        applied = self.service.exchange.apply(stamped)
        assert not isinstance(applied.result, Rejected), applied.result
        return Journalled(sequence=next(self.sequence), command=stamped, events=list(applied.events))

    def publish(self, *commands: Command) -> list[Journalled]:
        """Apply `commands` and publish them as one batch."""
        entries = [self.entry(c) for c in commands]
        self.publish_entries(entries)
        return entries

    def publish_entries(self, entries: list[Journalled]) -> None:
        batch = Batch(entries=entries, settlement_reference="0x" + "ab" * 32, written_at_ms=self.now_ms)
        self.hub.publish(entries, batch)

    def events(self, *commands: Command) -> list[Event]:
        return [e for entry in self.publish(*commands) for e in entry.events]

    def add_key(self, api_key: str, secret: str = "c2VjcmV0", passphrase: str = "pass") -> None:
        self.service.edge.add_key(
            ApiKeyRecord(
                api_key=api_key, address="0x" + "00" * 20, nonce=0, secret=secret, passphrase=passphrase,
                readonly=False, created_at_ms=0,
            )
        )  # fmt: skip

    def add_words(self, condition_id: str = CONDITION, question: str = "Will it rain?") -> None:
        self.service.edge.market_infos[condition_id] = MarketInfoRecord(
            condition_id=condition_id, question=question, description="d", market_slug="will-it-rain", created_at_ms=0
        )


def make_harness(limits: Limits | None = None) -> Harness:
    """A hub that sends each batch at once (no flush interval), so tests see events right after `publish`.

    Trades settle an hour after they match, so that settlement steps come only when a test moves time on."""
    limits = dataclasses.replace(limits or Limits(), ws_flush_interval_ms=0)
    service = Service(store=None, settings=Settings(limits=limits))  # type: ignore[arg-type]
    service.exchange = new_exchange()
    service.exchange.apply(ConfigureSettlement(now_ms=0, delay_ms=SETTLEMENT_DELAY_MS))
    hub = Hub(service)
    hub.market_feed.seed(service.exchange)
    hub.user_feed.seed(service.exchange)
    return Harness(service, hub)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def harness() -> Harness:
    return make_harness()
