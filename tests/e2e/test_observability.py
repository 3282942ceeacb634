"""Metrics and logs of a real `openclob serve`: GET /metrics as Prometheus reads it while official clients trade
and WebSockets connect; `--log-format json` lines that parse, carry what they should and no secret, ever."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client import client as clob_client_module
from py_clob_client.clob_types import OrderArgs
from py_clob_client.exceptions import PolyApiException
from py_clob_client.order_builder.constants import BUY, SELL
from websockets.sync.client import connect

from tests.e2e.clients import py_client
from tests.e2e.conftest import ADMIN_TOKEN, Server, fresh_postgres_database, start_server
from tests.unit.api.test_metrics import Samples, parse, value


@pytest.fixture
def signatures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every POLY_SIGNATURE (L1 EIP-712 and L2 HMAC) py-clob-client sends in the test."""
    seen: list[str] = []

    def recording(make: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def wrapped(*args: Any, **kwargs: Any) -> dict[str, Any]:
            headers = make(*args, **kwargs)
            seen.append(headers["POLY_SIGNATURE"])
            return headers

        return wrapped

    for name in ("create_level_1_headers", "create_level_2_headers"):
        monkeypatch.setattr(clob_client_module, name, recording(getattr(clob_client_module, name)))
    return seen


def _scrape(server: Server) -> Samples:
    response = httpx.get(server.url + "/metrics", timeout=10)
    assert response.status_code == 200
    return parse(response.text)


def _wait_for(server: Server, done: Callable[[Samples], bool]) -> Samples:
    """Scrape until `done` (a socket's close reaches the server a moment after the client's)."""
    deadline = time.monotonic() + 10
    samples = _scrape(server)
    while not done(samples) and time.monotonic() < deadline:
        time.sleep(0.05)
        samples = _scrape(server)
    return samples


def _market(server: Server) -> tuple[str, str]:
    market = server.create_market()
    return market["condition_id"], market["tokens"][0]["token_id"]


def _trade(server: Server) -> dict[str, Any]:
    """Two clients: a resting bid, a sell that matches it, a bid that is cancelled, one that is refused, and a
    user-channel subscription; returns the secrets involved."""
    condition_id, yes = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    for wallet in (a, b):
        server.deposit(wallet.address, "100")
        server.split(wallet.address, condition_id, "20")
    bid = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
    bob.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=SELL))
    resting = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
    alice.cancel(resting["orderID"])
    with pytest.raises(PolyApiException):
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=100_000, side=BUY))  # no balance
    alice.get_orders()
    alice.cancel_all()
    refused = httpx.get(server.url + "/admin/faults", headers={"Authorization": "Bearer wrong-token"}, timeout=10)
    assert refused.status_code == 401
    creds = alice.creds
    # the secret first: a frame dump at DEBUG (the websockets library's, cut at 75 characters) would show it
    auth = {"secret": creds.api_secret, "passphrase": creds.api_passphrase, "apiKey": creds.api_key}
    with connect(server.url.replace("http://", "ws://") + "/ws/user") as ws:
        ws.send(json.dumps({"auth": auth, "type": "user", "markets": [condition_id]}))
        ws.send("PING")
        assert ws.recv(timeout=10) == "PONG"
    return {
        "order_id": bid["orderID"],
        "addresses": [a.address.lower(), b.address.lower()],
        "secrets": [
            *(client.creds.api_secret for client in (alice, bob)),
            *(client.creds.api_passphrase for client in (alice, bob)),
            *(wallet.key for wallet in (a, b)),
            *(wallet.key.removeprefix("0x") for wallet in (a, b)),
        ],
    }


def test_metrics_count_orders_trades_cancels_requests_and_websockets(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        condition_id, yes = _market(server)
        alice, a = py_client(server)
        bob, b = py_client(server)
        for wallet in (a, b):
            server.deposit(wallet.address, "100")
            server.split(wallet.address, condition_id, "20")
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
        bob.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=SELL))
        resting = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=10, side=BUY))
        alice.cancel(resting["orderID"])
        ws_url = server.url.replace("http://", "ws://")
        with connect(ws_url + "/ws/market") as market, connect(ws_url + "/ws/user") as user:
            market.send(json.dumps({"type": "market", "assets_ids": [yes]}))
            creds = alice.creds
            auth = {"apiKey": creds.api_key, "secret": creds.api_secret, "passphrase": creds.api_passphrase}
            user.send(json.dumps({"type": "user", "markets": [], "auth": auth}))
            samples = _wait_for(server, lambda s: value(s, "openclob_ws_connections", channel="user") == 1)
            assert value(samples, "openclob_ws_connections", channel="market") == 1
            assert value(samples, "openclob_ws_connections", channel="user") == 1
        samples = _wait_for(server, lambda s: value(s, "openclob_ws_connections", channel="market") == 0)
        assert value(samples, "openclob_ws_connections", channel="user") == 0
        assert value(samples, "openclob_orders_accepted_total") == 3
        assert value(samples, "openclob_trades_total", kind="COMPLEMENTARY") == 1
        assert value(samples, "openclob_orders_canceled_total", reason="user") == 1
        assert value(samples, "openclob_http_requests_total", method="POST", route="/order", status="200") == 3
        assert value(samples, "openclob_http_request_duration_seconds_count", method="POST", route="/order") == 3
        assert value(samples, "openclob_http_requests_total", method="POST", route="/admin/markets", status="200") == 1
        assert value(samples, "openclob_journal_commit_seconds_count") > 0
        assert value(samples, "openclob_service_status", status="ready") == 1
    finally:
        server.stop()


WINDOW = 16
"""Characters of a secret that are a leak on their own (a dump cut short still shows its start)."""


def _leaked(secret: str, text: str) -> bool:
    """Whether `text` holds `secret`, or any WINDOW characters of it."""
    if len(secret) <= WINDOW:
        return secret in text
    return any(secret[start : start + WINDOW] in text for start in range(len(secret) - WINDOW + 1))


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text().splitlines():
        if line.strip():
            parsed = json.loads(line)  # every line is JSON: nothing else is written to stdout or stderr
            assert {"timestamp", "level", "event"} <= parsed.keys(), line
            yield parsed


def test_json_logs_parse_and_never_hold_a_secret(tmp_path: Path, signatures: list[str]) -> None:
    with fresh_postgres_database() as url:
        parts = urllib.parse.urlsplit(url)  # (trust auth: the password is taken and not checked)
        netloc = f"{parts.username or 'root'}:pg-password-not-logged@{parts.hostname}:{parts.port or 5432}"
        password_url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
        server = start_server(
            tmp_path / "data", "--db", password_url, "--log-format", "json", "--access-log", "--log-level", "debug"
        )
        try:
            seen = _trade(server)
        finally:
            server.stop()
    text = server.log_path.read_text()
    master_secret = (server.data_dir / "master.key").read_text().strip()
    secrets = [*seen["secrets"], *signatures, ADMIN_TOKEN, master_secret, "pg-password-not-logged"]
    assert len(signatures) >= 9  # 2 keys (L1), 4 orders, 2 cancels, a read (L2)
    for secret in secrets:
        assert not _leaked(secret, text), f"a secret is in the log: {secret[:6]}..."
    lines = list(_json_lines(server.log_path))
    serving = next(line for line in lines if line["event"] == "serving")
    assert serving["admin_token"] == "given" and "***" in serving["database"]
    requests = [line for line in lines if line["event"] == "request"]
    placed = [line for line in requests if line["route"] == "/order" and line["method"] == "POST"]
    assert len(placed) == 4 and {line["status"] for line in placed} == {200, 400}
    assert all(line["address"] in seen["addresses"] for line in placed)
    assert seen["order_id"] in {line.get("order_id") for line in placed}
    assert all(isinstance(line["latency_ms"], float | int) for line in requests)
    assert any(line["route"] == "/admin/faults" and line["status"] == 401 for line in requests)


def test_without_access_log_there_is_no_line_per_request(tmp_path: Path, signatures: list[str]) -> None:
    server = start_server(tmp_path / "data", "--log-format", "json", "--log-level", "info")
    try:
        seen = _trade(server)
    finally:
        server.stop()
    lines = list(_json_lines(server.log_path))
    assert [line["event"] for line in lines if line["event"] == "serving"] == ["serving"]
    assert not [line for line in lines if line["event"] == "request" or line["logger"] == "openclob.access"]
    text = server.log_path.read_text()
    for secret in [*seen["secrets"], *signatures, ADMIN_TOKEN]:
        assert not _leaked(secret, text)
