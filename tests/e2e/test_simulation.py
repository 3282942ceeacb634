"""Simulated traders on a real `openclob serve`: live books at once with --demo, py-clob-client taking their
liquidity, and the same seed giving the same trades on two servers with a frozen clock moved alike."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from py_clob_client.clob_types import MarketOrderArgs, OrderType, TradeParams
from py_clob_client.order_builder.constants import BUY

from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, start_server
from tests.e2e.test_websocket import _events, _ws

START_MS = 1_800_000_000_000
CONDITION = "0x" + "5e" * 32


def _frozen(path: Path) -> Server:
    return start_server(path, "--clock", "frozen", "--start-time-ms", str(START_MS))


def _simulated_market(server: Server, seed: int) -> tuple[str, dict[str, Any]]:
    market = server.create_market("Will the simulation repeat?", condition_id=CONDITION, dynamic_tick=False)
    simulation = server.admin("POST", "/admin/simulations", {"condition_id": CONDITION, "seed": seed})
    return market["tokens"][0]["token_id"], simulation


def _advance(server: Server, steps: int, step_ms: int) -> None:
    for _ in range(steps):
        server.admin("POST", "/admin/clock", {"advance_ms": step_ms})


def test_demo_markets_have_live_books_and_trades_within_seconds(tmp_path: Path) -> None:
    server = start_server(tmp_path / "demo", "--demo")
    try:
        markets = httpx.get(server.url + "/markets").json()["data"]
        assert len(markets) == 3
        token_id = markets[0]["tokens"][0]["token_id"]
        deadline = time.monotonic() + 30  # (a bound against a hang, not a timing assertion)
        book: dict[str, Any] = {}
        while time.monotonic() < deadline:
            book = httpx.get(server.url + "/book", params={"token_id": token_id}).json()
            if len(book["bids"]) >= 3 and len(book["asks"]) >= 3 and book.get("last_trade_price"):
                break
            time.sleep(0.2)
        assert len(book["bids"]) >= 3 and len(book["asks"]) >= 3, book
        assert book["last_trade_price"], book
        assert float(book["bids"][-1]["price"]) < float(book["asks"][-1]["price"])  # best bid below best ask
        simulations = server.admin("GET", "/admin/simulations")
        assert len(simulations) == 3 and all(s["status"] == "running" for s in simulations)
    finally:
        server.stop()


def test_py_clob_client_takes_liquidity_from_a_simulated_market_seen_on_both_channels(tmp_path: Path) -> None:
    server = _frozen(tmp_path / "take")
    try:
        market = server.create_market("Will the bot fill?", condition_id=CONDITION, dynamic_tick=False)
        yes = market["tokens"][0]["token_id"]
        client, wallet = py_client(server)
        server.deposit(wallet.address, "100")
        with _ws(server, "market") as market_ws, _ws(server, "user") as user_ws:
            market_ws.send(json.dumps({"assets_ids": [yes], "type": "market"}))
            creds = client.creds
            auth = {"apiKey": creds.api_key, "secret": creds.api_secret, "passphrase": creds.api_passphrase}
            user_ws.send(json.dumps({"auth": auth, "markets": [CONDITION], "type": "user"}))
            _events(market_ws)  # the (empty) book on subscribing
            simulation = server.admin("POST", "/admin/simulations", {"condition_id": CONDITION, "seed": 3})
            _advance(server, 4, 500)
            seen = _events(market_ws)
            assert {"price_change", "last_trade_price"} <= {e["event_type"] for e in seen}, seen

            order = client.create_market_order(MarketOrderArgs(token_id=yes, amount=5, side=BUY))
            filled = client.post_order(order, OrderType.FOK)
            assert filled["status"] == "matched" and filled["success"] is True, filled
            simulated = {a["address"] for a in simulation["accounts"]}
            (trade,) = client.get_trades(TradeParams(asset_id=yes))
            assert {m["maker_address"].lower() for m in trade["maker_orders"]} <= simulated
            pushed = [e for e in _events(user_ws) if e["event_type"] == "trade"]
            assert pushed and {m["maker_address"].lower() for m in pushed[0]["maker_orders"]} <= simulated

        stopped = server.admin("DELETE", f"/admin/simulations/{simulation['id']}")
        assert stopped["status"] == "stopped"
        book = client.get_order_book(yes)
        assert book.bids == [] and book.asks == []
    finally:
        server.stop()


def test_the_same_seed_on_a_frozen_clock_moved_alike_gives_the_same_trades(tmp_path: Path) -> None:
    books, prices = [], []
    for run in ("first", "second"):
        server = _frozen(tmp_path / run)
        try:
            yes, _ = _simulated_market(server, seed=42)
            _advance(server, 6, 800)
            books.append(httpx.get(server.url + "/book", params={"token_id": yes}).json())
            history = httpx.get(
                server.url + "/prices-history", params={"market": yes, "startTs": 0, "fidelity": 1}
            ).json()
            prices.append((history, server.admin("GET", "/admin/simulations")[0]["commands"]))
        finally:
            server.stop()
    assert books[0]["bids"] and books[0] == books[1]
    assert prices[0][0]["history"] and prices[0] == prices[1]


def test_a_restarted_server_cancels_what_its_simulations_left_and_starts_without_them(tmp_path: Path) -> None:
    server = _frozen(tmp_path / "restart")
    try:
        yes, simulation = _simulated_market(server, seed=5)
        _advance(server, 4, 500)
        book = httpx.get(server.url + "/book", params={"token_id": yes}).json()
        assert book["bids"] and book["asks"]
        server.stop()
        server = start_server(tmp_path / "restart", port=int(server.url.rsplit(":", 1)[1]))
        assert server.admin("GET", "/admin/simulations") == []
        book = httpx.get(server.url + "/book", params={"token_id": yes}).json()
        assert book["bids"] == [] and book["asks"] == []
        maker = simulation["accounts"][0]["address"]
        held = server.admin("GET", f"/admin/balances?address={maker}")
        assert held and all(entry["reserved"] == "0" for entry in held)  # the funds stay, free
    finally:
        server.stop()
