"""@polymarket/clob-client-v2 (TypeScript, Node) against a real `openclob serve` preferring order version 2.

tests/e2e/node-v2/flow.mjs runs the basic flow once (module-scoped fixture) and prints one JSON object with
every call's result, its duration and the HTTP exchanges it made: keys, V2 limit and market orders on a fee
market (a swap with a builder code, a MINT, a market BUY), 105 batched orders read back over two pages,
trades, builder trades, balances to the unit, an order signed for the V3 exchange (refused with
`order_version_mismatch`), and every kind of cancel.

Dependencies are pinned by tests/e2e/node-v2/package-lock.json and installed on first use with `npm ci` into
tests/e2e/node-v2/node_modules (never globally). The tests skip only when `node` or `npm` is not on PATH.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.clients import run_node_script
from tests.e2e.conftest import new_wallet, start_server

NODE_DIR = Path(__file__).parent / "node-v2"
FLOW = NODE_DIR / "flow.mjs"
FLOW_TIMEOUT_SECONDS = 60
NPM_TIMEOUT_SECONDS = 300
BUILDER = "0x" + "b2" * 32
MAX_CALL_MS = 1000
EXPECTED_ERRORS = {"error.versionMismatch"}


@pytest.fixture(scope="session")
def node_v2_modules() -> Path:
    """tests/e2e/node-v2/node_modules, installed from the lockfile with `npm ci` if it is not there yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @polymarket/clob-client-v2 (not on PATH)")
    modules = NODE_DIR / "node_modules"
    if not (modules / "@polymarket" / "clob-client-v2" / "package.json").exists():
        command = [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return modules


@dataclass
class Flow:
    """What flow.mjs printed, and the markets it ran on."""

    out: dict[str, Any]
    market1: str
    yes1: str
    no1: str
    market2: str

    def ok(self, name: str) -> Any:
        """The value of a step that must have succeeded: not thrown, not an `{error, status}` value."""
        step = self.out["steps"][name]
        assert "thrown" not in step, f"{name} threw {step['thrown']}"
        value = step["value"]
        assert not (isinstance(value, dict) and "error" in value), f"{name} failed: {value}"
        return value

    def wire(self, name: str) -> list[dict[str, Any]]:
        start, end = self.out["steps"][name]["wire"]
        exchanges: list[dict[str, Any]] = self.out["wire"][start:end]
        return exchanges


@pytest.fixture(scope="module")
def flow(node_v2_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    server = start_server(tmp_path_factory.mktemp("node-v2") / "data")
    try:
        first = server.create_market("node v2 fee market", fee_rate_bps=1000)
        second = server.create_market("node v2 plain market")
        a, b = new_wallet(), new_wallet()
        server.deposit(a.address, "200")
        server.split(a.address, first["condition_id"], "20")
        server.deposit(b.address, "100")
        markets = [
            {"condition_id": m["condition_id"], "tokens": [t["token_id"] for t in m["tokens"]]} for m in (first, second)
        ]
        out = run_node_script(
            FLOW, [server.url, a.key, b.key, json.dumps(markets), BUILDER], FLOW_TIMEOUT_SECONDS, server
        )
        yes1, no1 = markets[0]["tokens"]
        yield Flow(out, first["condition_id"], yes1, no1, second["condition_id"])
    finally:
        server.stop()


def test_installed_versions_are_the_pinned_ones(flow: Flow) -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    name = "@polymarket/clob-client-v2"
    assert flow.out["versions"][name] == lock["packages"][f"node_modules/{name}"]["version"]


def test_only_the_deliberate_errors_failed_and_no_call_took_a_second(flow: Flow) -> None:
    for name, step in flow.out["steps"].items():
        if name not in EXPECTED_ERRORS:
            flow.ok(name)
        assert step["ms"] < MAX_CALL_MS, f"{name} took {step['ms']:.0f} ms"


def test_version_keys_and_market_details(flow: Flow) -> None:
    assert (flow.ok("getOk"), flow.ok("getVersion")) == ("OK", 2)
    details = flow.ok("getClobMarketInfo")
    assert (details["c"], details["mts"], details["fd"]) == (flow.market1, 0.01, {"r": 0.1, "e": 1, "to": True})
    for who in ("A", "B"):
        assert flow.ok(f"{who}.createOrDeriveApiKey.again") == flow.ok(f"{who}.createOrDeriveApiKey")


def test_v2_orders_pay_the_taker_fee_to_the_unit(flow: Flow) -> None:
    assert flow.ok("A.sell.yes1")["status"] == "live"
    # 10 * 0.1 * 0.6 * 0.4 = 0.24; MINT at 0.45: 10 * 0.1 * 0.45 * 0.55 = 0.2475; market BUY: 5 * 0.1 * 0.7 * 0.3
    paid = {"B.buy.yes1": ("6.24", "10"), "B.buy.no1": ("4.7475", "10"), "B.marketBuy.yes1": ("3.605", "5")}
    for name, amounts in paid.items():
        response = flow.ok(name)
        assert (response["status"], response["makingAmount"], response["takingAmount"]) == ("matched", *amounts)
        assert response["transactionsHashes"] and len(response["tradeIDs"]) == 1
        # the hash came with the response: the client did not poll /data/trades for it
        assert [w["path"] for w in flow.wire(name)].count("/data/trades") == 0

    def balance(name: str) -> int:
        return int(flow.ok(name)["balance"])

    # A: 180 + 6 - 5.5 + 3.5 (its 105 resting orders reserve 15.75, still part of the balance)
    assert [balance(f"A.balance.{n}") for n in ("collateral", "yes1", "no1")] == [184_000_000, 15_000_000, 20_000_000]
    # B: 100 - 6.24 - 4.7475 - 3.605
    assert [balance(f"B.balance.{n}") for n in ("collateral", "yes1", "no1")] == [85_407_500, 15_000_000, 10_000_000]
    trades = flow.ok("B.getTrades")
    assert [t["fee"] for t in trades] == ["0.24", "0.2475", "0.105"]
    assert {t["trader_side"] for t in trades} == {"TAKER"}
    assert [t["trader_side"] for t in flow.ok("A.getTrades")] == ["MAKER"] * 3
    (built,) = flow.ok("getBuilderTrades")["trades"]
    assert (built["builderCode"], built["tradeType"], built["fee"]) == (BUILDER, "TAKER", "0.24")
    assert flow.ok("B.getPreMigrationOrders") == []


def test_pagination_version_mismatch_and_cancels(flow: Flow) -> None:
    orders = flow.ok("A.getOpenOrders")
    assert len(orders) == 105 and len({o["id"] for o in orders}) == 105
    pages = [w["params"]["next_cursor"] for w in flow.wire("A.getOpenOrders")]
    assert len(pages) == 2 and pages[0] == "MA==" and "LTE=" not in pages
    refused = flow.out["steps"]["error.versionMismatch"]["value"]
    assert refused["status"] == 400 and "order_version_mismatch" in refused["error"]
    ids = [o["id"] for o in orders]
    assert flow.ok("cancelOrder") == {"canceled": [ids[0]], "not_canceled": {}}
    assert flow.ok("cancelOrders") == {"canceled": ids[1:3], "not_canceled": {ids[0]: "already canceled or matched"}}
    assert flow.ok("cancelMarketOrders.asset_id") == {"canceled": [], "not_canceled": {}}
    assert sorted(flow.ok("cancelMarketOrders.market")["canceled"]) == sorted(ids[3:])
    assert flow.ok("A.getOpenOrders.afterCancels") == []
    assert flow.ok("cancelAll") == {"canceled": [], "not_canceled": {}}
    assert int(flow.ok("A.balance.collateral.end")["balance"]) == 184_000_000
