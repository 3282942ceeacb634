"""py-clob-client (and a WebSocket client) against a real `openclob serve` with fault rules: what a bot meets.

py-clob-client raises PolyApiException for every non-200 (`status_code`, `error_msg` the JSON body or the text)
and, for a transport error, PolyApiException(status_code=None, error_msg="Request exception!") raised while
handling httpx's own error, which is kept as the exception's `__context__`: RemoteProtocolError for a
connection closed without an answer, ReadTimeout when the client gave up first.

One server serves the module (rules are cleared after each test); the seeded draws get servers of their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client.clob_types import OrderArgs
from py_clob_client.exceptions import PolyApiException
from py_clob_client.http_helpers import helpers
from py_clob_client.order_builder.constants import BUY
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from openclob.api.errors import INTERNAL, NOT_READY, TOO_MANY_REQUESTS, UNAUTHORIZED
from openclob.api.faults import TRADING_DISABLED
from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, start_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("faults") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(served: Server) -> Iterator[Server]:
    """The module's server, with no fault rule left behind by the test."""
    try:
        yield served
    finally:
        served.admin("DELETE", "/admin/faults")


def _trader(server: Server) -> tuple[Any, str]:
    """A funded py-clob-client and the YES token of a fresh market."""
    yes = server.create_market()["tokens"][0]["token_id"]
    client, wallet = py_client(server)
    server.deposit(wallet.address, "100")
    return client, yes


def _bid(yes: str, price: float = 0.4) -> OrderArgs:
    return OrderArgs(token_id=yes, price=price, size=10, side=BUY)


def _add(server: Server, **rule: Any) -> dict[str, Any]:
    added: dict[str, Any] = server.admin("POST", "/admin/faults", rule)
    return added


def _ws(server: Server, channel: str) -> ClientConnection:
    return connect(server.url.replace("http://", "ws://") + f"/ws/{channel}")


def _events(ws: ClientConnection, quiet_seconds: float = 0.5) -> list[dict[str, Any]]:
    """Every event received until nothing arrives for `quiet_seconds`."""
    events: list[dict[str, Any]] = []
    while True:
        try:
            frame = json.loads(ws.recv(timeout=quiet_seconds))
        except TimeoutError:
            return events
        events.extend(frame if isinstance(frame, list) else [frame])


def test_a_425_with_a_count_raises_poly_api_exception_once_then_stops_firing(server: Server) -> None:
    client, yes = _trader(server)
    _add(server, kind="status", status=425, method="POST", path="/order", count=1)
    with pytest.raises(PolyApiException) as refused:
        client.create_and_post_order(_bid(yes))
    assert (refused.value.status_code, refused.value.error_msg) == (425, {"error": NOT_READY})
    placed = client.create_and_post_order(_bid(yes, 0.41))
    assert placed["success"] is True
    assert [order["id"] for order in client.get_orders()] == [placed["orderID"]]  # the refused one was not processed
    assert server.admin("GET", "/admin/faults") == []


@pytest.mark.parametrize(
    ("status", "error_msg", "retry_after"),
    [
        (429, {"error": TOO_MANY_REQUESTS}, "1"),
        (500, {"error": INTERNAL}, None),
        (503, {"error": TRADING_DISABLED}, None),
    ],
)
def test_a_status_rule_raises_poly_api_exception_with_polymarkets_body(
    server: Server, answers: list[httpx.Response], status: int, error_msg: dict[str, str], retry_after: str | None
) -> None:
    client, yes = _trader(server)
    _add(server, kind="status", status=status, path="/book")
    with pytest.raises(PolyApiException) as refused:
        client.get_order_book(yes)
    assert (refused.value.status_code, refused.value.error_msg) == (status, error_msg)
    assert answers[-1].headers.get("retry-after") == retry_after


def test_a_403_gives_the_client_a_cloudflare_html_page_instead_of_json(
    server: Server, answers: list[httpx.Response]
) -> None:
    client, yes = _trader(server)
    _add(server, kind="status", status=403, path="/book")
    with pytest.raises(PolyApiException) as refused:
        client.get_order_book(yes)
    assert refused.value.status_code == 403 and isinstance(refused.value.error_msg, str)
    assert "<title>Attention Required! | Cloudflare</title>" in refused.value.error_msg
    assert answers[-1].headers["content-type"].startswith("text/html")


def test_a_delay_rule_answers_normally_after_the_delay(server: Server) -> None:
    client, yes = _trader(server)
    _add(server, kind="delay", delay_ms=300, path="/book")
    assert client.get_order_book(yes).asset_id == yes
    assert [rule["fired"] for rule in server.admin("GET", "/admin/faults")] == [1]


def test_a_drop_closes_the_connection_and_the_order_is_not_placed(server: Server) -> None:
    client, yes = _trader(server)
    _add(server, kind="drop", path="/order", count=1)
    with pytest.raises(PolyApiException) as dropped:
        client.create_and_post_order(_bid(yes))
    assert (dropped.value.status_code, dropped.value.error_msg) == (None, "Request exception!")
    assert isinstance(dropped.value.__context__, httpx.RemoteProtocolError)
    assert client.get_orders() == []


@pytest.fixture
def client_timeout() -> Iterator[float]:
    """py-clob-client's module-wide httpx client gives up after this long while the test runs (default 5 s)."""
    before = helpers._http_client.timeout
    helpers._http_client.timeout = httpx.Timeout(1.0)
    try:
        yield 1.0
    finally:
        helpers._http_client.timeout = before


def test_timeout_after_apply_times_the_client_out_while_the_order_is_placed(
    server: Server, client_timeout: float
) -> None:
    client, yes = _trader(server)
    _add(server, kind="timeout_after_apply", path="/order", delay_ms=round(client_timeout * 3000), count=1)
    with pytest.raises(PolyApiException) as timed_out:
        client.create_and_post_order(_bid(yes))
    assert (timed_out.value.status_code, timed_out.value.error_msg) == (None, "Request exception!")
    assert isinstance(timed_out.value.__context__, httpx.ReadTimeout)
    (order,) = client.get_orders()
    assert (order["status"], order["price"], order["original_size"]) == ("LIVE", "0.4", "10")


def test_timeout_after_apply_without_a_delay_drops_the_answer_of_a_placed_order(server: Server) -> None:
    client, yes = _trader(server)
    _add(server, kind="timeout_after_apply", path="/order", count=1)
    with pytest.raises(PolyApiException) as dropped:
        client.create_and_post_order(_bid(yes))
    assert isinstance(dropped.value.__context__, httpx.RemoteProtocolError)
    assert len(client.get_orders()) == 1


def test_new_key_delay_refuses_a_new_key_with_401_until_it_has_propagated(server: Server) -> None:
    older, _ = py_client(server)
    _add(server, kind="new_key_delay", delay_ms=1_500)
    client, _ = py_client(server)  # its key is created now
    with pytest.raises(PolyApiException) as refused:
        client.get_orders()
    assert (refused.value.status_code, refused.value.error_msg) == (401, {"error": UNAUTHORIZED})
    assert older.get_orders() == []  # a key created before the rule is not affected
    deadline = time.monotonic() + 30
    while True:
        try:
            assert client.get_orders() == []
            break
        except PolyApiException as error:
            assert error.status_code == 401 and time.monotonic() < deadline
            time.sleep(0.1)


def test_a_stalled_market_socket_gets_no_events_but_answers_ping_then_gets_events_again(server: Server) -> None:
    client, yes = _trader(server)
    with _ws(server, "market") as ws:
        ws.send(json.dumps({"type": "market", "assets_ids": [yes]}))
        assert [event["event_type"] for event in _events(ws)] == ["book"]
        stall = _add(server, kind="ws_stall", channel="market", duration_ms=3_000)
        assert stall["fired"] == 1  # the open socket
        client.create_and_post_order(_bid(yes, 0.41))
        assert _events(ws) == []
        ws.send("PING")
        assert ws.recv(timeout=2) == "PONG"
        deadline = time.monotonic() + 30
        while server.admin("GET", "/admin/faults") and time.monotonic() < deadline:
            time.sleep(0.1)  # the stall ends by itself
        assert server.admin("GET", "/admin/faults") == []
        client.create_and_post_order(_bid(yes, 0.42))
        changes = [event for event in _events(ws) if event["event_type"] == "price_change"]
        assert [change["price_changes"][0]["price"] for change in changes] == ["0.42"]  # 0.41 was lost


def test_ws_disconnect_drops_the_matching_user_socket_without_a_close_frame(server: Server) -> None:
    alice, a = py_client(server)
    bob, _ = py_client(server)

    @contextmanager
    def user_socket(client: Any) -> Iterator[ClientConnection]:
        creds = client.creds
        with _ws(server, "user") as ws:
            auth = {"apiKey": creds.api_key, "secret": creds.api_secret, "passphrase": creds.api_passphrase}
            ws.send(json.dumps({"type": "user", "auth": auth, "markets": []}))
            ws.send("PING")
            assert ws.recv(timeout=2) == "PONG"  # authenticated and subscribed
            yield ws

    with user_socket(alice) as alice_ws, user_socket(bob) as bob_ws, _ws(server, "market") as market_ws:
        rule = _add(server, kind="ws_disconnect", channel="user", address=a.address, count=1)
        assert rule["fired"] == 1
        with pytest.raises(ConnectionClosedError) as closed:
            alice_ws.recv(timeout=5)
        assert closed.value.rcvd is None  # no close frame
        for ws in (bob_ws, market_ws):
            ws.send("PING")
            assert ws.recv(timeout=2) == "PONG"
    with user_socket(alice):  # its count is used: the client reconnects
        pass


def _seeded_firings(tmp_path: Path, name: str, seed: int) -> list[bool]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"kind": "status", "status": 500, "path": "/", "probability": 0.5}]))
    server = start_server(tmp_path / name, "--faults", str(rules), "--seed", str(seed))
    try:
        client, _ = py_client(server)
        firings = []
        for _ in range(24):
            try:
                client.get_ok()
                firings.append(False)
            except PolyApiException as error:
                assert error.status_code == 500
                firings.append(True)
        return firings
    finally:
        server.stop()


def test_a_probability_rule_from_a_file_fires_the_same_way_with_the_same_seed(tmp_path: Path) -> None:
    first = _seeded_firings(tmp_path, "first", 1234)
    assert first == _seeded_firings(tmp_path, "again", 1234)
    assert True in first and False in first
