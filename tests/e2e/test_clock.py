"""The exchange clock and the settlement lag, end to end: py-clob-client against a real `openclob serve`.

Each server starts with its clock frozen (`--clock frozen --start-time-ms`) years before the wall clock, so
nothing falls due unless the test moves the clock with `openclob`'s admin API, and every time is exact. The
clients sign their L2 headers with the wall clock all along.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import OpenOrderParams, OrderArgs, OrderType
from py_clob_client.order_builder.constants import BUY, SELL

from tests.e2e.clients import balance, py_client, refusal
from tests.e2e.conftest import Server, fresh_postgres_database, new_wallet, start_server

START_MS = 1_600_000_000_000
"""September 2020: wherever the wall clock is, a frozen exchange clock reads exactly this."""
DELAY_MS = 30_000
HEARTBEAT_TIMEOUT_MS = 15_000
UNIT = 1_000_000
FLAGS = ("--clock", "frozen", "--start-time-ms", str(START_MS), "--settlement-delay-ms", str(DELAY_MS))
LAG_FLAGS = (*FLAGS, "--proceeds-available-at", "mined")
NOT_ENOUGH = {"error": "not enough balance / allowance"}


@dataclass
class Venue:
    """A server with a market whose YES token ALICE holds and BOB wants; `restart` starts it again on its store."""

    server: Server
    flags: tuple[str, ...]
    yes: str
    alice: ClobClient
    bob: ClobClient

    def advance(self, ms: int) -> dict[str, Any]:
        answer: dict[str, Any] = self.server.admin("POST", "/admin/clock", {"advance_ms": ms})
        return answer

    def restart(self) -> None:
        self.server.stop()
        port = int(self.server.url.rsplit(":", 1)[1])
        self.server = start_server(self.server.data_dir, *self.flags, port=port)


def _venue(server: Server, flags: tuple[str, ...]) -> Venue:
    market = server.create_market("Will the clock tell?", dynamic_tick=False)
    condition_id, yes = market["condition_id"], market["tokens"][0]["token_id"]
    alice, alice_wallet = py_client(server, new_wallet())
    bob, bob_wallet = py_client(server, new_wallet())
    for wallet in (alice_wallet, bob_wallet):
        server.deposit(wallet.address, "100")
    server.split(alice_wallet.address, condition_id, "50")
    return Venue(server, flags, yes, alice, bob)


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    running = _venue(start_server(tmp_path / "data", *FLAGS), FLAGS)
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def lagged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Venue]:
    with ExitStack() as stack:
        flags: tuple[str, ...] = LAG_FLAGS
        if request.param == "postgres":
            flags = (*flags, "--db", stack.enter_context(fresh_postgres_database()))
        running = _venue(start_server(tmp_path / "data", *flags), flags)
        stack.callback(lambda: running.server.stop())
        yield running


def _open_ids(client: ClobClient) -> list[str]:
    return [order["id"] for order in client.get_orders(OpenOrderParams())]


def _trade_status(client: ClobClient) -> str:
    (trade,) = client.get_trades()
    status: str = trade["status"]
    return status


def test_a_frozen_clock_reads_its_start_whatever_the_wall_clock_and_moves_only_when_advanced(venue: Venue) -> None:
    assert venue.alice.get_server_time() == START_MS // 1000
    assert venue.server.admin("GET", "/admin/clock") == {"now_ms": START_MS, "frozen": True}
    assert venue.advance(1_500) == {"now_ms": START_MS + 1_500, "frozen": True}
    assert venue.bob.get_server_time() == (START_MS + 1_500) // 1000


def test_expiry_heartbeat_and_settlement_each_fall_due_when_the_clock_passes_them_and_not_before(
    venue: Venue,
) -> None:
    alice, bob, yes = venue.alice, venue.bob, venue.yes
    now_s = alice.get_server_time()
    gtd = alice.create_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY, expiration=now_s + 120))
    gtd_id = alice.post_order(gtd, OrderType.GTD)["orderID"]  # live until 60 s from now
    alice.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=SELL))
    bob.post_heartbeat(None)
    assert bob.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=BUY))["status"] == "matched"
    resting = bob.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=5, side=BUY))["orderID"]

    venue.advance(HEARTBEAT_TIMEOUT_MS - 1)
    assert _open_ids(bob) == [resting]
    venue.advance(1)  # 15 s: BOB's heartbeat lapses
    assert _open_ids(bob) == []
    venue.advance(DELAY_MS - HEARTBEAT_TIMEOUT_MS - 1)
    assert _trade_status(bob) == "MATCHED"
    venue.advance(1)  # 30 s
    assert _trade_status(bob) == _trade_status(alice) == "MINED"
    venue.advance(2 * DELAY_MS - DELAY_MS - 1)
    assert _open_ids(alice) == [gtd_id] and _trade_status(bob) == "MINED"
    venue.advance(1)  # 60 s: the GTD order expires and the trade is CONFIRMED, in one request
    assert _open_ids(alice) == [] and alice.get_order_book(yes).bids == []
    assert _trade_status(bob) == _trade_status(alice) == "CONFIRMED"


def test_with_the_lag_selling_just_bought_tokens_fails_until_mined_and_a_restart_between_loses_nothing(
    lagged: Venue,
) -> None:
    yes = lagged.yes
    lagged.alice.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=SELL))
    assert lagged.bob.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=BUY))["success"]
    resell = lagged.bob.create_order(OrderArgs(token_id=yes, price=0.70, size=10, side=SELL))
    assert refusal(lambda: lagged.bob.post_order(resell)) == (400, NOT_ENOUGH)
    assert (balance(lagged.bob, yes), balance(lagged.bob)) == (0, 94 * UNIT)
    assert (balance(lagged.alice, yes), balance(lagged.alice)) == (40 * UNIT, 50 * UNIT)

    lagged.restart()
    assert refusal(lambda: lagged.bob.post_order(resell)) == (400, NOT_ENOUGH)
    assert (balance(lagged.bob, yes), balance(lagged.alice)) == (0, 50 * UNIT)
    lagged.advance(DELAY_MS - 1)
    assert refusal(lambda: lagged.bob.post_order(resell)) == (400, NOT_ENOUGH)
    lagged.advance(1)
    assert (balance(lagged.bob, yes), balance(lagged.alice)) == (10 * UNIT, 56 * UNIT)
    lagged.restart()
    assert (balance(lagged.bob, yes), balance(lagged.bob)) == (10 * UNIT, 94 * UNIT)
    assert (balance(lagged.alice, yes), balance(lagged.alice)) == (40 * UNIT, 56 * UNIT)
    assert lagged.bob.post_order(resell)["success"] is True
