"""A replay's orders are journalled like anyone's: a restart recovers the replayed book and its hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclob.core import BookSide
from openclob.replay.driver import Replays
from tests.stack import STORE_KINDS, Stack, fresh_database

pytestmark = pytest.mark.anyio

MARKET = "0x" + "fe" * 32


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("kind", STORE_KINDS)
async def test_a_restart_after_a_replay_recovers_the_same_book_and_state_hash(kind: str, tmp_path: Path) -> None:
    book = {"event_type": "book", "market": MARKET, "bids": [{"price": "0.3", "size": "12"}],
            "asks": [{"price": "0.7", "size": "8.5"}]}  # fmt: skip
    change = {"event_type": "price_change", "market": MARKET,
              "price_changes": [{"asset_id": "41", "price": "0.35", "side": "BUY", "size": "4"}]}  # fmt: skip
    path = tmp_path / "recording.jsonl"
    mirror = book | {
        "asset_id": "42",
        "bids": [{"price": "0.3", "size": "8.5"}],
        "asks": [{"price": "0.7", "size": "12"}],
    }
    path.write_text("".join(json.dumps(line) + "\n" for line in (book | {"asset_id": "41"}, mirror, change)))
    with fresh_database(kind, tmp_path) as new_store:
        stack = Stack(new_store)
        await stack.start()
        try:
            replay = await Replays(stack.service).start(str(path))
            assert replay.task is not None
            await replay.task
            assert replay.state == "done"
            depth = stack.service.exchange.book(MARKET).depth(BookSide.BID)
            assert depth == [(350_000, 4_000_000), (300_000, 12_000_000)]
            state_hash = stack.service.exchange.state_hash()
            await stack.restart()
            assert stack.service.exchange.state_hash() == state_hash
            assert stack.service.exchange.book(MARKET).depth(BookSide.BID) == depth
        finally:
            await stack.stop()
