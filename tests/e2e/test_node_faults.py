"""@polymarket/clob-client 5.x against `openclob serve` with fault rules (tests/e2e/node/faults.mjs).

The script runs once (module-scoped fixture), setting each rule through the admin API before the call it
faults, and prints each step's value. The TS client returns errors as values: `{...body, status}` for a JSON
error, `{error: <text>, status}` for a text or HTML body, and `{error: <axios message>}` when no answer came
("socket hang up" for a connection closed without one, "timeout of 500ms exceeded" when it gave up first).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openclob.api.errors import INTERNAL, NOT_READY, TOO_MANY_REQUESTS, UNAUTHORIZED
from openclob.api.faults import TRADING_DISABLED
from tests.e2e import test_node_clob_client
from tests.e2e.clients import run_node_script
from tests.e2e.conftest import ADMIN_TOKEN, new_wallet, start_server

node_modules = test_node_clob_client.node_modules
"""The fixture that installs the pinned packages of tests/e2e/node."""
SCRIPT = test_node_clob_client.NODE_DIR / "faults.mjs"
TIMEOUT_SECONDS = 90


@pytest.fixture(scope="module")
def steps(node_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = start_server(tmp_path_factory.mktemp("node-faults") / "data")
    try:
        token = server.create_market("node faults")["tokens"][0]["token_id"]
        a, b = new_wallet(), new_wallet()
        server.deposit(a.address, "100")
        out = run_node_script(SCRIPT, [server.url, a.key, b.key, token, ADMIN_TOKEN], TIMEOUT_SECONDS, server)
        yield out["steps"]
    finally:
        server.stop()


def _value(steps: dict[str, Any], name: str) -> Any:
    step = steps[name]
    assert "thrown" not in step, f"{name} threw {step['thrown']}"
    return step["value"]


def _prices(orders: list[dict[str, Any]]) -> list[str]:
    return sorted(order["price"] for order in orders)


def test_a_425_with_a_count_is_returned_once_then_the_order_goes_through(steps: dict[str, Any]) -> None:
    assert _value(steps, "status425.postOrder") == {"error": NOT_READY, "status": 425}
    assert _value(steps, "afterCount.postOrder")["success"] is True


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, TOO_MANY_REQUESTS), (500, INTERNAL), (503, TRADING_DISABLED)],
)
def test_a_status_rule_is_returned_with_polymarkets_body(steps: dict[str, Any], status: int, error: str) -> None:
    assert _value(steps, f"status{status}.getOrderBook") == {"error": error, "status": status}


def test_a_403_returns_the_cloudflare_html_page_as_the_error(steps: dict[str, Any]) -> None:
    value = _value(steps, "status403.getOrderBook")
    assert value["status"] == 403 and "<title>Attention Required! | Cloudflare</title>" in value["error"]


def test_a_delayed_answer_is_the_usual_one(steps: dict[str, Any]) -> None:
    assert _value(steps, "delay.getOrderBook")["asset_id"]


def test_a_drop_returns_socket_hang_up_and_places_nothing(steps: dict[str, Any]) -> None:
    assert _value(steps, "drop.postOrder") == {"error": "socket hang up"}
    assert _prices(_value(steps, "drop.getOpenOrders")) == ["0.41"]


def test_timeout_after_apply_returns_no_answer_while_the_order_is_placed(steps: dict[str, Any]) -> None:
    assert _value(steps, "timeoutAfterApply.postOrder") == {"error": "socket hang up"}
    assert _prices(_value(steps, "timeoutAfterApply.getOpenOrders")) == ["0.41", "0.43"]
    assert _value(steps, "timeoutAfterApplyDelayed.postOrder") == {"error": "timeout of 500ms exceeded"}
    assert _prices(_value(steps, "timeoutAfterApplyDelayed.getOpenOrders")) == ["0.41", "0.43", "0.44"]


def test_new_key_delay_returns_401_for_a_new_key_until_it_has_propagated(steps: dict[str, Any]) -> None:
    assert _value(steps, "newKeyDelay.getApiKeys") == {"error": UNAUTHORIZED, "status": 401}
    # getOpenOrders pages through the answer's `data`, so the 401 value makes it throw instead
    assert "not iterable" in steps["newKeyDelay.getOpenOrders"]["thrown"]["message"]
    assert len(_value(steps, "newKeyDelay.later")["apiKeys"]) == 1
    assert len(_value(steps, "newKeyDelay.olderKey")) == 3  # a key created before the rule is not affected


def test_rules_with_a_count_remove_themselves(steps: dict[str, Any]) -> None:
    assert [rule["kind"] for rule in _value(steps, "rulesLeft")] == ["new_key_delay"]
