"""A neg-risk event's market through its life, end to end: py-clob-client against a real `openclob serve`.

Trade in an outcome's market, convert NO shares, let the frozen exchange clock pass the end date (orders
cancelled, new ones refused as Polymarket refuses them), resolve, redeem through the user's own L2 call and
the admin API, with restarts between, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client.client import ClobClient
from py_clob_client.clob_types import OpenOrderParams, OrderArgs
from py_clob_client.order_builder.constants import BUY, SELL
from py_clob_client.signing.hmac import build_hmac_signature

from tests.e2e.clients import balance, py_client, refusal
from tests.e2e.conftest import Server, Wallet, fresh_postgres_database, new_wallet, start_server

START_MS = 1_600_000_000_000
END_MS = START_MS + 3_600_000
END_ISO = "2020-09-13T13:26:40Z"
UNIT = 1_000_000
FLAGS = ("--clock", "frozen", "--start-time-ms", str(START_MS), "--user-conversions")
CLOSED = {"error": "the market is not yet ready to process new orders"}


@dataclass
class Venue:
    server: Server
    flags: tuple[str, ...]
    event: dict[str, Any]
    alice: ClobClient
    alice_wallet: Wallet
    bob: ClobClient
    bob_wallet: Wallet

    def restart(self) -> None:
        self.server.stop()
        port = int(self.server.url.rsplit(":", 1)[1])
        self.server = start_server(self.server.data_dir, *self.flags, port=port)

    def token(self, outcome: int, index: int) -> str:
        token_id: str = self.event["markets"][outcome]["tokens"][index]["token_id"]
        return token_id

    def condition(self, outcome: int) -> str:
        condition_id: str = self.event["markets"][outcome]["condition_id"]
        return condition_id

    def own_call(self, client: ClobClient, wallet: Wallet, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST `body` to one of openclob's own L2 routes (py-clob-client has no method for them)."""
        raw = json.dumps(body, separators=(",", ":"))
        creds, timestamp = client.creds, str(int(time.time()))
        assert creds is not None
        headers = {
            "POLY_ADDRESS": wallet.address,
            "POLY_API_KEY": creds.api_key,
            "POLY_PASSPHRASE": creds.api_passphrase,
            "POLY_TIMESTAMP": timestamp,
            "POLY_SIGNATURE": build_hmac_signature(creds.api_secret, timestamp, "POST", path, raw),
            "Content-Type": "application/json",
        }
        return httpx.post(self.server.url + path, content=raw, headers=headers, timeout=30)


@pytest.fixture(params=["sqlite", "postgres"])
def venue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Venue]:
    with ExitStack() as stack:
        flags: tuple[str, ...] = FLAGS
        if request.param == "postgres":
            flags = (*flags, "--db", stack.enter_context(fresh_postgres_database()))
        server = start_server(tmp_path / "data", *flags)
        stack.callback(lambda: running.server.stop())
        listing = {"title": "Who wins?", "outcomes": ["A", "B", "C"], "neg_risk": True, "end_date_iso": END_ISO}
        event = server.admin("POST", "/admin/events", listing)
        alice, alice_wallet = py_client(server, new_wallet())
        bob, bob_wallet = py_client(server, new_wallet())
        for wallet in (alice_wallet, bob_wallet):
            server.deposit(wallet.address, "100")
        server.split(alice_wallet.address, event["markets"][0]["condition_id"], "50")
        running = Venue(server, flags, event, alice, alice_wallet, bob, bob_wallet)
        yield running


def test_trade_convert_close_at_end_date_resolve_and_redeem_once_across_restarts(venue: Venue) -> None:
    alice, bob = venue.alice, venue.bob
    yes_a, no_a = venue.token(0, 0), venue.token(0, 1)
    market = alice.get_market(venue.condition(0))
    assert (market["neg_risk"], market["end_date_iso"], market["closed"]) == (True, END_ISO, False)
    assert market["neg_risk_market_id"] == venue.event["neg_risk_market_id"]

    # trade YES of outcome A (neg-risk orders, signed for the neg-risk exchange), and leave orders resting
    alice.create_and_post_order(OrderArgs(token_id=yes_a, price=0.60, size=10, side=SELL))
    assert bob.create_and_post_order(OrderArgs(token_id=yes_a, price=0.60, size=10, side=BUY))["status"] == "matched"
    alice.create_and_post_order(OrderArgs(token_id=yes_a, price=0.70, size=5, side=SELL))
    bob.create_and_post_order(OrderArgs(token_id=yes_a, price=0.30, size=5, side=BUY))
    assert len(alice.get_orders(OpenOrderParams())) == len(bob.get_orders(OpenOrderParams())) == 1

    # ALICE converts 10 NO of A into 10 YES of B and of C (no collateral: one NO position)
    answer = venue.own_call(alice, venue.alice_wallet, "/convert", {"event_id": "1", "index_set": 1, "amount": "10"})
    assert answer.status_code == 200, answer.text
    assert (balance(alice, no_a), balance(alice, venue.token(1, 0)), balance(alice, venue.token(2, 0))) == (
        40 * UNIT,
        10 * UNIT,
        10 * UNIT,
    )

    # the end date passes on the exchange clock: orders cancelled, new ones refused, before and after a restart
    venue.server.admin("POST", "/admin/clock", {"advance_ms": END_MS - START_MS - 1})
    assert len(bob.get_orders(OpenOrderParams())) == 1
    venue.server.admin("POST", "/admin/clock", {"advance_ms": 1})
    assert alice.get_orders(OpenOrderParams()) == bob.get_orders(OpenOrderParams()) == []
    market = alice.get_market(venue.condition(0))
    assert (market["closed"], market["accepting_orders"], market["active"]) == (True, False, True)
    late = bob.create_order(OrderArgs(token_id=yes_a, price=0.50, size=5, side=BUY))
    assert refusal(lambda: bob.post_order(late)) == (400, CLOSED)
    venue.restart()
    assert refusal(lambda: bob.post_order(late)) == (400, CLOSED)
    assert balance(bob) == 94 * UNIT and balance(bob, yes_a) == 10 * UNIT

    # A wins: its YES (and the other outcomes' NO) is redeemable, paid on redemption only, once
    venue.server.admin("POST", f"/admin/markets/{venue.condition(0)}/resolve", {"winning_token_id": yes_a})
    assert alice.get_market(venue.condition(1))["tokens"][1]["winner"] is True
    assert (balance(bob), balance(bob, yes_a)) == (94 * UNIT, 10 * UNIT)
    paid = venue.own_call(bob, venue.bob_wallet, "/redeem", {"condition_id": venue.condition(0)})
    assert (paid.status_code, paid.json()["payout"]) == (200, "10")
    assert (balance(bob), balance(bob, yes_a)) == (104 * UNIT, 0)
    again = venue.own_call(bob, venue.bob_wallet, "/redeem", {"condition_id": venue.condition(0)})
    assert again.json()["payout"] == "0" and balance(bob) == 104 * UNIT

    venue.restart()
    body = {"address": venue.alice_wallet.address, "condition_id": venue.condition(0)}
    assert venue.server.admin("POST", "/admin/redeem", body)["payout"] == "40"  # YES of A; its NO burned
    body["condition_id"] = venue.condition(1)
    assert venue.server.admin("POST", "/admin/redeem", body)["payout"] == "0"  # YES of B lost
    assert (balance(alice), balance(alice, yes_a), balance(alice, no_a)) == (96 * UNIT, 0, 0)
    venue.restart()
    assert (balance(alice), balance(bob)) == (96 * UNIT, 104 * UNIT)
    assert venue.server.admin("POST", "/admin/redeem", body)["payout"] == "0"
