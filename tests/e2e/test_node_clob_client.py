"""@polymarket/clob-client 5.x (TypeScript, Node) against a real `openclob serve`, driven by tests/e2e/node/flow.mjs.

The script runs the whole flow once (module-scoped fixture) and prints one JSON object: every call's result as
`{"value": ...}` or `{"thrown": {...}}`, plus a log of every HTTP exchange. The TS client returns HTTP errors as
values (`{error, status}`) instead of throwing, so each test below says which steps must be successes and checks
the exact outcome; `test_only_the_deliberate_errors_failed` makes sure nothing else came back as an error.

Dependencies are pinned by tests/e2e/node/package-lock.json and installed on first use with `npm ci` into
tests/e2e/node/node_modules (never globally). The tests skip only when `node` or `npm` is not on PATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.clients import run_node_script
from tests.e2e.conftest import Server, Wallet, new_wallet, start_server

NODE_DIR = Path(__file__).parent / "node"
FLOW = NODE_DIR / "flow.mjs"
FLOW_TIMEOUT_SECONDS = 60
NPM_TIMEOUT_SECONDS = 300
UNLIMITED = str(2**256 - 1)
ORDER_ID = re.compile(r"^0x[0-9a-f]{64}$")

# Every step that must come back as an error, and nothing else (test_only_the_deliberate_errors_failed).
EXPECTED_ERRORS = {
    "error.duplicate",
    "error.belowMinimumSize",
    "error.notEnoughBalance",
    "error.unknownBook",
    "error.badHmac",
    "error.badHmac.throwOnError",
    "error.tickSizeUnknownToken",
}


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/e2e/node/node_modules, installed from the lockfile with `npm ci` if it is not there yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @polymarket/clob-client (not on PATH)")
    modules = NODE_DIR / "node_modules"
    if not (modules / "@polymarket" / "clob-client" / "package.json").exists():
        command = [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return modules


@dataclass
class Flow:
    """What flow.mjs printed, and what the test set up for it."""

    out: dict[str, Any]
    a: Wallet
    b: Wallet
    market1: str
    yes1: str
    no1: str
    market2: str
    yes2: str
    started_at: float
    admin_balances: dict[str, dict[str, dict[str, str]]]

    def step(self, name: str) -> dict[str, Any]:
        step: dict[str, Any] = self.out["steps"][name]
        return step

    def ok(self, name: str) -> Any:
        """The value of a step that must have succeeded: not thrown, not an `{error, status}` value."""
        step = self.step(name)
        assert "thrown" not in step, f"{name} threw {step['thrown']}"
        value = step["value"]
        assert not (isinstance(value, dict) and "error" in value), f"{name} failed: {value}"
        return value

    def error(self, name: str) -> Any:
        """The `{error, status}` value of a step that must have failed without throwing."""
        step = self.step(name)
        assert "thrown" not in step, f"{name} threw {step['thrown']} instead of returning the error"
        return step["value"]

    def wire(self, name: str) -> list[dict[str, Any]]:
        """The HTTP exchanges one step made, in order."""
        start, end = self.step(name)["wire"]
        exchanges: list[dict[str, Any]] = self.out["wire"][start:end]
        return exchanges

    def order_id(self, name: str) -> str:
        order_id: str = self.ok(name)["orderID"]
        return order_id

    def batch_ids(self) -> list[str]:
        return [r["orderID"] for n in range(7) for r in self.ok(f"A.postOrders.{n}")]


def _tokens(market: dict[str, Any]) -> tuple[str, str]:
    yes, no = (t["token_id"] for t in market["tokens"])
    return yes, no


def _admin_balances(server: Server, address: str) -> dict[str, dict[str, str]]:
    rows = server.admin("GET", f"/admin/balances?address={address}")
    return {row["asset"]: {k: row[k] for k in ("balance", "free", "reserved")} for row in rows}


@pytest.fixture(scope="module")
def flow(node_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    server = start_server(tmp_path_factory.mktemp("node") / "data")
    try:
        first, second = server.create_market("node first"), server.create_market("node second")
        yes1, no1 = _tokens(first)
        yes2, _ = _tokens(second)
        a, b = new_wallet(), new_wallet()
        server.deposit(a.address, "200")
        server.split(a.address, first["condition_id"], "20")
        server.deposit(b.address, "100")
        markets = [{"condition_id": m["condition_id"], "tokens": list(_tokens(m))} for m in (first, second)]
        started_at = time.time()
        out = run_node_script(FLOW, [server.url, a.key, b.key, json.dumps(markets)], FLOW_TIMEOUT_SECONDS, server)
        balances = {"A": _admin_balances(server, a.address), "B": _admin_balances(server, b.address)}
        yield Flow(out, a, b, first["condition_id"], yes1, no1, second["condition_id"], yes2, started_at, balances)
    finally:
        server.stop()


def test_installed_versions_are_the_pinned_ones(flow: Flow) -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    pinned = {name: lock["packages"][f"node_modules/{name}"]["version"] for name in ("@polymarket/clob-client", "viem")}
    versions = flow.out["versions"]
    assert {name: versions[name] for name in pinned} == pinned
    assert pinned["@polymarket/clob-client"].startswith("5.")
    assert int(versions["node"].split(".")[0]) >= 20


def test_public_calls_and_api_keys_created_then_derived(flow: Flow) -> None:
    assert flow.ok("getOk") == "OK"
    server_time = flow.ok("getServerTime")
    assert isinstance(server_time, int) and abs(server_time - flow.started_at) < 30
    for who in ("A", "B"):
        created = flow.ok(f"{who}.createOrDeriveApiKey")
        assert set(created) == {"key", "secret", "passphrase"}
        assert flow.ok(f"{who}.createOrDeriveApiKey.again") == created
        calls = [(w["method"], w["path"], w["status"]) for w in flow.wire(f"{who}.createOrDeriveApiKey.again")]
        assert calls == [("POST", "/auth/api-key", 400), ("GET", "/auth/derive-api-key", 200)]
    assert flow.ok("A.createOrDeriveApiKey")["key"] != flow.ok("B.createOrDeriveApiKey")["key"]


def test_market_data(flow: Flow) -> None:
    book = flow.ok("getOrderBook.empty")
    assert book == {
        "market": flow.market1,
        "asset_id": flow.yes1,
        "timestamp": book["timestamp"],
        "hash": book["hash"],
        "bids": [],
        "asks": [],
        "min_order_size": "5",
        "tick_size": "0.01",
        "neg_risk": False,
        "last_trade_price": "0.5",
    }
    # the book filled the client's tick cache, so getTickSize made no request; neg-risk and fee did
    assert (flow.ok("getTickSize"), flow.wire("getTickSize")) == ("0.01", [])
    assert flow.ok("getNegRisk") is False and flow.ok("getFeeRateBps") == 0

    # A's SELL NO at 0.70 and A's BUY YES at 0.20 (a NO ask at 0.80), best last
    before = flow.ok("getOrderBook.no1")
    assert (before["bids"], before["asks"]) == ([], [{"price": "0.8", "size": "10"}, {"price": "0.7", "size": "10"}])
    after = flow.ok("getOrderBook.no1.afterTrade")
    assert (after["bids"], after["asks"]) == ([], [{"price": "0.8", "size": "10"}, {"price": "0.7", "size": "4"}])
    assert after["last_trade_price"] == "0.7"


def test_limit_orders_and_the_crossing_trade(flow: Flow) -> None:
    resting = [
        "A.buy.yes1",
        "A.sell.no1",
        "B.rest.yes1",
        "A.buy.yes1.015",
        "A.postOrder.yes1.010",
        "A.sell.yes1.090",
        "A.buy.no1.010",
    ]
    for name in resting:
        response = flow.ok(name)
        assert response == {
            "success": True,
            "errorMsg": "",
            "orderID": response["orderID"],
            "transactionsHashes": [],
            "status": "live",
            "takingAmount": "",
            "makingAmount": "",
            "tradeIDs": [],
        }, name
        assert ORDER_ID.match(response["orderID"]), name
    # the TS order flow: tick size (unless cached by /book), fee rate, neg risk, then POST /order
    calls = [(w["method"], w["path"]) for w in flow.wire("A.sell.no1")]
    assert calls == [("GET", "/tick-size"), ("GET", "/fee-rate"), ("GET", "/neg-risk"), ("POST", "/order")]

    signed = flow.ok("A.createOrder.yes1.010")
    assert (signed["maker"].lower(), signed["signer"].lower()) == (flow.a.address.lower(), flow.a.address.lower())
    assert (signed["makerAmount"], signed["takerAmount"], signed["side"]) == ("1000000", "10000000", 0)

    taken = flow.ok("B.cross.no1")
    assert (taken["success"], taken["status"], taken["makingAmount"], taken["takingAmount"]) == (
        True,
        "matched",
        "4.2",
        "6",
    )
    (trade_id,) = taken["tradeIDs"]
    (tx_hash,) = taken["transactionsHashes"]
    assert tx_hash.startswith("0x")

    (as_taker,) = flow.ok("B.getTrades")
    (as_maker,) = flow.ok("A.getTrades")
    for trade, side in ((as_taker, "TAKER"), (as_maker, "MAKER")):
        assert trade["id"] == trade_id and trade["trader_side"] == side
        assert trade["taker_order_id"] == taken["orderID"] and trade["transaction_hash"] == tx_hash
        assert (trade["market"], trade["asset_id"], trade["outcome"]) == (flow.market1, flow.no1, "No")
        assert (trade["side"], trade["size"], trade["price"], trade["status"]) == ("BUY", "6", "0.7", "CONFIRMED")
        (leg,) = trade["maker_orders"]
        assert leg["order_id"] == flow.order_id("A.sell.no1") and leg["maker_address"].lower() == flow.a.address.lower()
        assert (leg["matched_amount"], leg["price"], leg["side"], leg["asset_id"]) == ("6", "0.7", "SELL", flow.no1)
    assert as_taker["owner"] == flow.ok("B.createOrDeriveApiKey")["key"]
    assert as_maker["owner"] == flow.ok("A.createOrDeriveApiKey")["key"]

    (partly,) = flow.ok("A.getOpenOrders.id")
    assert flow.ok("A.getOrder") == partly
    assert partly["id"] == flow.order_id("A.sell.no1")
    assert (partly["status"], partly["side"], partly["original_size"], partly["size_matched"], partly["price"]) == (
        "LIVE",
        "SELL",
        "10",
        "6",
        "0.7",
    )
    assert partly["associate_trades"] == [trade_id]


def test_open_orders_paginate_to_the_end_cursor(flow: Flow) -> None:
    batch_ids = flow.batch_ids()
    assert len(batch_ids) == 105 and len(set(batch_ids)) == 105
    assert all(r["success"] and r["status"] == "live" for n in range(7) for r in flow.ok(f"A.postOrders.{n}"))

    market1_ids = {
        flow.order_id(name)
        for name in ("A.buy.yes1", "A.sell.no1", "A.buy.yes1.015", "A.postOrder.yes1.010", "A.sell.yes1.090")
    } | {flow.order_id("A.buy.no1.010")}
    listed = flow.ok("A.getOpenOrders")
    assert len(listed) == 111 and {o["id"] for o in listed} == market1_ids | set(batch_ids)
    assert {o["status"] for o in listed} == {"LIVE"}
    pages = flow.wire("A.getOpenOrders")
    assert [(p["path"], p["status"]) for p in pages] == [("/data/orders", 200), ("/data/orders", 200)]
    assert pages[0]["params"] == {"next_cursor": "MA=="} and pages[0]["next_cursor"] not in ("MA==", "LTE=")
    assert pages[1]["params"] == {"next_cursor": pages[0]["next_cursor"]} and pages[1]["next_cursor"] == "LTE="

    first_page = flow.ok("A.getOpenOrders.market2.firstPage")
    assert len(first_page) == 100 and {o["market"] for o in first_page} == {flow.market2}
    assert len(flow.wire("A.getOpenOrders.market2.firstPage")) == 1

    yes1_orders = {o["id"] for o in flow.ok("A.getOpenOrders.asset.yes1")}
    assert yes1_orders == {
        flow.order_id(n) for n in ("A.buy.yes1", "A.buy.yes1.015", "A.postOrder.yes1.010", "A.sell.yes1.090")
    }
    assert [o["id"] for o in flow.ok("B.getOpenOrders")] == [flow.order_id("B.rest.yes1")]


def test_balances_to_the_unit(flow: Flow) -> None:
    def balance(name: str) -> int:
        value = flow.ok(name)
        assert value["allowance"] == UNLIMITED, name
        return int(value["balance"])

    # A: 200 deposited, 20 split, sold 6 NO at 0.70; B: 100 deposited, bought 6 NO at 0.70
    expected = {
        "A.balance.collateral": 184_200_000,
        "A.balance.yes1": 20_000_000,
        "A.balance.no1": 14_000_000,
        "B.balance.collateral": 95_800_000,
        "B.balance.yes1": 0,
        "B.balance.no1": 6_000_000,
    }
    assert {name: balance(name) for name in expected} == expected
    # cancels move nothing: the balance counts what open orders reserve
    end = {name.replace("A.", "A.end.", 1): value for name, value in expected.items() if name.startswith("A.")}
    assert {name: balance(name) for name in end} == end
    # and after cancelAll nothing of A's is reserved any more; B's BUY 10 YES at 0.05 still reserves 0.5
    a, b = flow.admin_balances["A"], flow.admin_balances["B"]
    assert a["COLLATERAL"] == {"balance": "184.2", "free": "184.2", "reserved": "0"}
    assert a[flow.no1] == {"balance": "14", "free": "14", "reserved": "0"}
    assert b["COLLATERAL"] == {"balance": "95.8", "free": "95.3", "reserved": "0.5"}


def test_every_cancel_and_cancel_market_orders_touches_only_its_orders(flow: Flow) -> None:
    ids = flow.order_id
    assert flow.ok("cancelOrder") == {"canceled": [ids("A.postOrder.yes1.010")], "not_canceled": {}}
    assert flow.ok("cancelOrder.othersOrder") == {
        "canceled": [],
        "not_canceled": {ids("B.rest.yes1"): "order not found"},
    }
    assert flow.ok("cancelOrders") == {
        "canceled": [ids("A.buy.yes1.015")],
        "not_canceled": {ids("A.postOrder.yes1.010"): "already canceled or matched"},
    }

    # TS sends only the keys it was given (no "" placeholders)
    (by_asset_call,) = flow.wire("cancelMarketOrders.asset_id")
    assert (by_asset_call["method"], by_asset_call["path"]) == ("DELETE", "/cancel-market-orders")
    assert json.loads(by_asset_call["body"]) == {"asset_id": flow.yes1}
    by_asset = flow.ok("cancelMarketOrders.asset_id")
    assert sorted(by_asset["canceled"]) == sorted([ids("A.buy.yes1"), ids("A.sell.yes1.090")])
    assert by_asset["not_canceled"] == {}

    (by_market_call,) = flow.wire("cancelMarketOrders.market")
    assert json.loads(by_market_call["body"]) == {"market": flow.market1}
    by_market = flow.ok("cancelMarketOrders.market")
    assert sorted(by_market["canceled"]) == sorted([ids("A.sell.no1"), ids("A.buy.no1.010")])
    assert by_market["not_canceled"] == {}

    # market 2 untouched by both; B's order on market 1 untouched by A's cancels
    assert {o["id"] for o in flow.ok("A.getOpenOrders.afterMarketCancels")} == set(flow.batch_ids())
    everything = flow.ok("cancelAll")
    assert sorted(everything["canceled"]) == sorted(flow.batch_ids()) and everything["not_canceled"] == {}
    assert flow.ok("A.getOpenOrders.afterCancelAll") == []
    assert [o["id"] for o in flow.ok("B.getOpenOrders.end")] == [ids("B.rest.yes1")]


def test_errors_reach_the_client_as_error_and_status(flow: Flow) -> None:
    duplicated = flow.order_id("A.postOrder.yes1.010")
    assert flow.error("error.duplicate") == {"error": f"order {duplicated} is invalid. Duplicated.", "status": 400}
    small = flow.error("error.belowMinimumSize")
    assert small["status"] == 400 and set(small) == {"error", "status"}
    assert re.fullmatch(r"order 0x[0-9a-f]{64} is invalid\. Size \(4\) lower than the minimum: 5", small["error"])
    assert flow.error("error.notEnoughBalance") == {"error": "not enough balance / allowance", "status": 400}
    assert flow.error("error.unknownBook") == {
        "error": "No orderbook exists for the requested token id",
        "status": 404,
    }
    assert flow.error("error.badHmac") == {"error": "Unauthorized/Invalid api key", "status": 401}
    # with throwOnError (13th constructor argument) the same reply becomes an ApiError
    assert flow.step("error.badHmac.throwOnError")["thrown"] == {
        "name": "ApiError",
        "message": "Unauthorized/Invalid api key",
        "status": 401,
    }
    # getTickSize throws Error(result.error) itself
    assert flow.step("error.tickSizeUnknownToken")["thrown"] == {
        "name": "Error",
        "message": "market not found",
        "status": None,
    }
    assert [w["status"] for w in flow.wire("error.tickSizeUnknownToken")] == [404]


def test_only_the_deliberate_errors_failed(flow: Flow) -> None:
    failed = {
        name
        for name, step in flow.out["steps"].items()
        if "thrown" in step or (isinstance(step["value"], dict) and "error" in step["value"])
    }
    assert failed == EXPECTED_ERRORS
    unexpected = [
        (w["method"], w["path"], w["status"])
        for w in flow.out["wire"]
        if w["status"] != 200 and (w["method"], w["path"], w["status"]) != ("POST", "/auth/api-key", 400)
    ]
    assert sorted(unexpected) == sorted(
        [
            ("POST", "/order", 400),
            ("POST", "/order", 400),
            ("POST", "/order", 400),
            ("GET", "/book", 404),
            ("DELETE", "/cancel-all", 401),
            ("DELETE", "/cancel-all", 401),
            ("GET", "/tick-size", 404),
        ]
    )
