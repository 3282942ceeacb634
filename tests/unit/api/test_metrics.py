"""GET /metrics (api/metrics.py, metrics.py, api/observe.py): the Prometheus text format, parsed with the client
library's own parser, whose counters move as orders are placed, refused, matched and cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from openclob.api import rate_limits
from openclob.api.app import OpenClobApp
from openclob.api.throttle import Throttle
from openclob.assembly import build_app
from openclob.config import Limits, Settings
from openclob.core import UNIT, Deposit, Split
from openclob.faults import Rule
from openclob.metrics import Family, render_merged
from openclob.service import Service, Status
from openclob.ws.hub import CLOSE_TOO_SLOW
from tests.stack import Stack, Trader, fresh_database, order_body
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio

CONDITION = "0x" + "c1" * 32
YES, NO = 1111, 2222
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of an exposition, by name and labels (the client library's parser: it fails on a bad line)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[tuple[Stack, Trader, Trader]]:
    with fresh_database("sqlite", tmp_path) as new_store:
        stack = Stack(new_store)
        await stack.start()
        try:
            await stack.list_market(CONDITION, (str(YES), str(NO)))
            maker, taker = Trader("0x" + "a7" * 32), Trader("0x" + "b8" * 32)
            for trader in (maker, taker):
                await stack.create_key(trader)
                await stack.submit(Deposit(now_ms=0, address=trader.address, amount=1_000 * UNIT))
                await stack.submit(Split(now_ms=0, address=trader.address, condition_id=CONDITION, amount=100 * UNIT))
            yield stack, maker, taker
        finally:
            await stack.stop()


def _order(trader: Trader, side: str, price_cents: int, size: int = 10) -> dict[str, Any]:
    collateral, shares = price_cents * size * UNIT // 100, size * UNIT
    maker, taker = (collateral, shares) if side == "BUY" else (shares, collateral)
    return order_body(trader, token_id=YES, side=side, maker_amount=maker, taker_amount=taker)


async def test_orders_rejects_trades_and_cancels_move_their_counters(stack: tuple[Stack, Trader, Trader]) -> None:
    stack_, maker, taker = stack
    before = await scrape(stack_.client)

    resting = await stack_.call(maker, "POST", "/order", _order(maker, "BUY", 40))
    assert resting.status_code == 200, resting.text
    other = await stack_.call(maker, "POST", "/order", _order(maker, "BUY", 30))
    off_tick = order_body(maker, token_id=YES, side="BUY", maker_amount=4_050_000, taker_amount=10 * UNIT)
    assert (await stack_.call(maker, "POST", "/order", off_tick)).status_code == 400
    matched = await stack_.call(taker, "POST", "/order", _order(taker, "SELL", 40))
    assert matched.json()["status"] == "matched", matched.text
    cancel = await stack_.call(maker, "DELETE", "/order", {"orderID": other.json()["orderID"]})
    assert cancel.json()["canceled"] == [other.json()["orderID"]]

    after = await scrape(stack_.client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("openclob_orders_accepted_total") == 3
    assert moved("openclob_orders_rejected_total", reason="price_not_on_tick") == 1
    assert moved("openclob_trades_total", kind="COMPLEMENTARY") == 1
    assert moved("openclob_orders_canceled_total", reason="user") == 1
    assert moved("openclob_cancel_requests_total") == 1
    assert moved("openclob_http_requests_total", method="POST", route="/order", status="200") == 3
    assert moved("openclob_http_requests_total", method="POST", route="/order", status="400") == 1
    assert moved("openclob_http_requests_total", method="DELETE", route="/order", status="200") == 1
    assert moved("openclob_http_request_duration_seconds_count", method="POST", route="/order") == 4
    assert moved("openclob_http_request_duration_seconds_bucket", method="POST", route="/order", le="+Inf") == 4
    assert moved("openclob_sequencer_batch_size_count") >= 5
    assert moved("openclob_journal_commit_seconds_count") >= 4
    assert value(after, "openclob_service_status", status="ready") == 1
    assert value(after, "openclob_service_status", status="recovering") == 0
    assert value(after, "openclob_journal_sequence") > value(before, "openclob_journal_sequence")
    assert value(after, "openclob_store_errors_total", operation="write") == 0


async def test_routes_are_labelled_by_template_and_unknown_paths_share_one_label(
    stack: tuple[Stack, Trader, Trader],
) -> None:
    stack_, maker, _ = stack
    for order_id in ("0x" + "01" * 32, "0x" + "02" * 32):
        await stack_.call(maker, "GET", f"/data/order/{order_id}")
    for path in ("/no-such-route", "/another/one"):
        assert (await stack_.client.get(path)).status_code == 404
    samples = await scrape(stack_.client)
    routes = {dict(labels)["route"] for name, labels in samples if name == "openclob_http_requests_total"}
    assert "/data/order/{order_id}" in routes and "unmatched" in routes
    assert not any(route.startswith("/data/order/0x") or route.startswith("/no-such") for route in routes)
    assert value(samples, "openclob_http_requests_total", method="GET", route="unmatched", status="404") == 2


def _app(**options: Any) -> OpenClobApp:
    return build_app(Service(FakeStore(), Settings()), b"x" * 32, "admin-token", **options)


async def _get(app: OpenClobApp, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await client.get(path)


async def test_metrics_are_answered_while_the_exchange_recovers() -> None:
    app = _app()  # a new service is RECOVERING until start() returns
    assert (await _get(app, "/time")).status_code == 425
    response = await _get(app, "/metrics")
    assert response.status_code == 200
    samples = parse(response.text)
    assert value(samples, "openclob_service_status", status="recovering") == 1
    assert value(samples, "openclob_http_requests_total", method="GET", route="/time", status="425") == 1


async def test_metrics_off_is_404_and_counts_nothing() -> None:
    app = _app(with_metrics=False)
    app.service.status = Status.READY
    assert (await _get(app, "/metrics")).status_code == 404
    assert app.observer is None and app.service.metrics is None


async def test_each_app_has_a_registry_of_its_own() -> None:
    first, second = _app(), _app()
    await _get(first, "/time")
    await _get(first, "/time")
    second_samples = parse((await _get(second, "/metrics")).text)
    assert value(second_samples, "openclob_http_requests_total", method="GET", route="/time", status="425") == 0
    first_samples = parse((await _get(first, "/metrics")).text)
    assert value(first_samples, "openclob_http_requests_total", method="GET", route="/time", status="425") == 2


async def test_websockets_are_counted_by_channel_and_slow_ones_when_closed() -> None:
    app = _app()
    hub = app.state.hub
    market, user, slow = hub.connect("market"), hub.connect("user"), hub.connect("market")
    samples = parse((await _get(app, "/metrics")).text)
    assert value(samples, "openclob_ws_connections", channel="market") == 2
    assert value(samples, "openclob_ws_connections", channel="user") == 1
    slow.stop((CLOSE_TOO_SLOW, "too slow"))
    hub.disconnect(slow)
    hub.disconnect(user)
    samples = parse((await _get(app, "/metrics")).text)
    assert value(samples, "openclob_ws_connections", channel="market") == 1
    assert value(samples, "openclob_ws_connections", channel="user") == 0
    assert value(samples, "openclob_ws_slow_closed_total", channel="market") == 1
    assert value(samples, "openclob_ws_slow_closed_total", channel="user") == 0
    hub.disconnect(market)


async def test_fault_firings_and_rate_limit_refusals_are_counted() -> None:
    app = _app()
    app.service.status = Status.READY
    app.faults.add(Rule(kind="status", path="/time", status=503, count=2), 0)
    for _ in range(3):
        await _get(app, "/time")
    samples = parse((await _get(app, "/metrics")).text)
    assert value(samples, "openclob_fault_rules_fired_total", kind="status") == 2  # the rule used up its count
    assert value(samples, "openclob_fault_rules") == 0
    assert value(samples, "openclob_http_requests_total", method="GET", route="/time", status="503") == 2
    assert value(samples, "openclob_rate_limit_rejections_total", limit="ip") == 0
    # (the refusals themselves are counted where they happen: test_throttle.py, test_rate_limits.py)
    app.throttle = Throttle(Limits())
    app.trading_limits = rate_limits.TradingLimits(lambda address: rate_limits.tier_named(None), lambda: 0)
    app.throttle.refused, app.trading_limits.refused = 3, 4
    samples = parse((await _get(app, "/metrics")).text)
    assert value(samples, "openclob_rate_limit_rejections_total", limit="ip") == 3
    assert value(samples, "openclob_rate_limit_rejections_total", limit="trading") == 4


def test_under_workers_the_processes_figures_are_added_up_except_the_servers_own() -> None:
    sequencer = [
        Family("openclob_trades", "counter", "Trades", [("openclob_trades_total", {"kind": "MINT"}, 2.0)]),
        Family("openclob_journal_sequence", "gauge", "Sequence", [("openclob_journal_sequence", {}, 40.0)]),
        Family("openclob_ws_connections", "gauge", "Sockets", [("openclob_ws_connections", {"channel": "user"}, 0.0)]),
    ]
    edge = [
        Family("openclob_trades", "counter", "Trades", [("openclob_trades_total", {"kind": "MINT"}, 0.0)]),
        Family("openclob_journal_sequence", "gauge", "Sequence", [("openclob_journal_sequence", {}, 39.0)]),
        Family("openclob_ws_connections", "gauge", "Sockets", [("openclob_ws_connections", {"channel": "user"}, 3.0)]),
    ]
    samples = parse(render_merged(sequencer, [edge, edge]).decode())
    assert value(samples, "openclob_trades_total", kind="MINT") == 2
    assert value(samples, "openclob_journal_sequence") == 40  # the sequencer's, not a sum
    assert value(samples, "openclob_ws_connections", channel="user") == 6
