"""@polymarket/clob-client 5.x against `openclob serve --rate-limits polymarket` (tests/e2e/node/rate_limits.mjs).

The script runs once (module-scoped fixture) and prints each step's value with the rate-limit headers of its last
answer. The TS client returns a 429 as the value `{error: "Too Many Requests", status: 429}`. As in the Python
test, the 429 comes from the cancel bucket: 120 ids empty a Standard bucket, and 100 more would need 1.25 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import test_node_clob_client
from tests.e2e.clients import run_node_script
from tests.e2e.conftest import ADMIN_TOKEN, new_wallet, start_server

node_modules = test_node_clob_client.node_modules
"""The fixture that installs the pinned packages of tests/e2e/node."""
SCRIPT = test_node_clob_client.NODE_DIR / "rate_limits.mjs"
TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def steps(node_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = start_server(tmp_path_factory.mktemp("node-rate-limits") / "data", "--rate-limits", "polymarket")
    try:
        token = server.create_market("node rate limits")["tokens"][0]["token_id"]
        a, b = new_wallet(), new_wallet()
        server.deposit(a.address, "100")
        out = run_node_script(SCRIPT, [server.url, a.key, b.key, token, ADMIN_TOKEN], TIMEOUT_SECONDS, server)
        yield {**out["steps"], "orderID": out["orderID"], "A.address": a.address.lower()}
    finally:
        server.stop()


def _value(steps: dict[str, Any], name: str) -> Any:
    step = steps[name]
    assert "thrown" not in step, f"{name} threw {step['thrown']}"
    return step["value"]


def _limits(steps: dict[str, Any], name: str) -> dict[str, str]:
    headers: dict[str, str] = steps[name]["answer"]["headers"]
    return {k: v for k, v in headers.items() if k != "poly-ratelimit-reset"}


def test_an_order_answer_carries_the_rate_limit_headers(steps: dict[str, Any]) -> None:
    placed = _value(steps, "A.postOrder")
    assert placed["success"] is True and placed["orderID"] == steps["orderID"]
    assert _limits(steps, "A.postOrder") == {"poly-ratelimit-remaining": "59", "poly-ratelimit-tier": "standard"}
    assert int(steps["A.postOrder"]["answer"]["headers"]["poly-ratelimit-reset"]) > 1_700_000_000


def test_a_burst_beyond_the_bucket_gets_429_and_cancels_nothing(steps: dict[str, Any]) -> None:
    assert _value(steps, "A.cancelOrders.burst")["canceled"] == []
    assert _value(steps, "A.cancelOrders.refused") == {"error": "Too Many Requests", "status": 429}
    answer = steps["A.cancelOrders.refused"]["answer"]
    assert answer["status"] == 429 and int(answer["headers"]["retry-after"]) >= 1
    assert int(answer["headers"]["poly-ratelimit-remaining"]) < 100
    assert [order["id"] for order in _value(steps, "A.getOpenOrders")] == [steps["orderID"]]


def test_another_signer_is_not_affected(steps: dict[str, Any]) -> None:
    assert _value(steps, "B.cancelOrders")["canceled"] == []
    assert _limits(steps, "B.cancelOrders") == {"poly-ratelimit-remaining": "20", "poly-ratelimit-tier": "standard"}


def test_a_tier_change_takes_effect_at_once_and_the_signer_reads_it(steps: dict[str, Any]) -> None:
    before = _value(steps, "A.tier.before")
    assert (before["tier"], before["next_tier_threshold"]) == ("standard", 30_000)
    assert _value(steps, "admin.setTier") == {"address": steps["A.address"], "tier": "elite"}
    assert _value(steps, "A.cancelOrders.elite")["canceled"] == []
    assert _limits(steps, "A.cancelOrders.elite") == {
        "poly-ratelimit-remaining": "1700",
        "poly-ratelimit-tier": "elite",
    }
    after = _value(steps, "A.tier.after")
    assert (after["tier"], after["period"], after["tier_details"]["order_burst"]) == ("elite", 30, 900)
    assert "next_tier_threshold" not in after
