"""The market and user WebSocket channels against a real `openclob serve`, with the `websockets` client."""

from __future__ import annotations

import json
import random
import socket
import time
from decimal import Decimal
from typing import Any

import pytest
from py_clob_client.clob_types import OrderArgs, TradeParams
from py_clob_client.exceptions import PolyApiException
from py_clob_client.order_builder.constants import BUY, SELL
from py_clob_client.utilities import generate_orderbook_summary_hash, parse_raw_orderbook_summary
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, Frame, Opcode
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from tests.e2e.clients import py_client
from tests.e2e.conftest import Server

Book = dict[str, dict[str, str]]


def _ws(server: Server, channel: str, **options: Any) -> ClientConnection:
    return connect(server.url.replace("http://", "ws://") + f"/ws/{channel}", **options)


def _market(server: Server) -> tuple[str, str, str]:
    market = server.create_market()
    yes, no = (t["token_id"] for t in market["tokens"])
    return market["condition_id"], yes, no


def _events(ws: ClientConnection, quiet_seconds: float = 0.4, limit_seconds: float = 5.0) -> list[dict[str, Any]]:
    """Every event received until nothing arrives for `quiet_seconds`."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=quiet_seconds))
        except TimeoutError:
            break
        events.extend(frame if isinstance(frame, list) else [frame])
    return events


def _auth(client: Any) -> dict[str, str]:
    creds = client.creds
    return {"apiKey": creds.api_key, "secret": creds.api_secret, "passphrase": creds.api_passphrase}


class LocalBook:
    """A client's book of one token, rebuilt only from `book` and `price_change` events."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}
        self.last_trade_price = "0.5"

    def replace(self, event: dict[str, Any]) -> None:
        self.bids = {level["price"]: level["size"] for level in event["bids"]}
        self.asks = {level["price"]: level["size"] for level in event["asks"]}
        self.last_trade_price = event["last_trade_price"]

    def change(self, entry: dict[str, Any]) -> None:
        side = self.bids if entry["side"] == "BUY" else self.asks
        if Decimal(entry["size"]) == 0:
            side.pop(entry["price"], None)
        else:
            side[entry["price"]] = entry["size"]

    def best(self) -> tuple[str, str]:
        bid = max(self.bids, key=Decimal, default="0")
        ask = min(self.asks, key=Decimal, default="1")
        return bid, ask

    def summary_hash(self, market: str, asset_id: str, timestamp: str) -> str:
        """The hash py-clob-client computes for this book (min size 5, tick 0.01, not neg risk)."""
        raw = {
            "market": market, "asset_id": asset_id, "timestamp": timestamp, "hash": "",
            "bids": [{"price": p, "size": self.bids[p]} for p in sorted(self.bids, key=Decimal)],
            "asks": [{"price": p, "size": self.asks[p]} for p in sorted(self.asks, key=Decimal, reverse=True)],
            "min_order_size": "5", "tick_size": "0.01", "neg_risk": False, "last_trade_price": self.last_trade_price,
        }  # fmt: skip
        return generate_orderbook_summary_hash(parse_raw_orderbook_summary(raw))


def test_a_book_rebuilt_from_book_and_price_change_equals_get_book(server: Server) -> None:
    condition_id, yes, no = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    for wallet in (a, b):
        server.deposit(wallet.address, "1000")
        server.split(wallet.address, condition_id, "300")
    books = {yes: LocalBook(), no: LocalBook()}
    checked_hashes = 0
    with _ws(server, "market") as ws:
        ws.send(json.dumps({"type": "market", "assets_ids": [yes, no], "initial_dump": True}))

        def apply(events: list[dict[str, Any]]) -> None:
            nonlocal checked_hashes
            for event in events:
                kind = event["event_type"]
                if kind == "book":
                    book = books[event["asset_id"]]
                    book.replace(event)
                    assert book.summary_hash(condition_id, event["asset_id"], event["timestamp"]) == event["hash"]
                    checked_hashes += 1
                elif kind == "last_trade_price":
                    books[event["asset_id"]].last_trade_price = event["price"]
                elif kind == "price_change":
                    assert {e["asset_id"] for e in event["price_changes"]} == {yes, no}
                    for entry in event["price_changes"]:
                        books[entry["asset_id"]].change(entry)
                    for entry in event["price_changes"]:
                        book = books[entry["asset_id"]]
                        assert (entry["best_bid"], entry["best_ask"]) == book.best()
                        assert entry["hash"] == book.summary_hash(condition_id, entry["asset_id"], event["timestamp"])
                        checked_hashes += 1

        apply(_events(ws))
        rng = random.Random(6)
        open_orders: list[tuple[Any, str]] = []
        for _ in range(40):
            client = rng.choice((alice, bob))
            mine = [order_id for owner, order_id in open_orders if owner is client]
            if mine and rng.random() < 0.25:
                order_id = rng.choice(mine)
                client.cancel(order_id)
                open_orders.remove((client, order_id))
                continue
            args = OrderArgs(
                token_id=rng.choice((yes, no)),
                price=rng.randint(40, 60) / 100,
                size=float(rng.randint(5, 12)),
                side=rng.choice((BUY, SELL)),
            )
            try:
                response = client.create_and_post_order(args)
            except PolyApiException:
                continue  # e.g. it would only cross its owner's own order
            if response["status"] == "live":
                open_orders.append((client, response["orderID"]))
        apply(_events(ws))
    for token, book in books.items():
        rest = server_book(server, token)
        assert book.bids == {level["price"]: level["size"] for level in rest["bids"]}
        assert book.asks == {level["price"]: level["size"] for level in rest["asks"]}
        assert book.last_trade_price == rest["last_trade_price"]
    assert any(b.bids or b.asks for b in books.values()) and checked_hashes > 40


def server_book(server: Server, token_id: str) -> dict[str, Any]:
    import httpx

    response = httpx.get(server.url + "/book", params={"token_id": token_id}, timeout=10)
    assert response.status_code == 200
    book: dict[str, Any] = response.json()
    return book


def test_user_events_match_data_orders_and_trades_and_stay_private(server: Server) -> None:
    condition_id, yes, _ = _market(server)
    alice, a = py_client(server)
    bob, b = py_client(server)
    carol, _ = py_client(server)
    server.deposit(b.address, "100")
    server.deposit(a.address, "100")
    server.split(a.address, condition_id, "50")
    with _ws(server, "user") as alice_ws, _ws(server, "user") as bob_ws, _ws(server, "user") as carol_ws:
        alice_ws.send(json.dumps({"type": "user", "markets": [condition_id], "auth": _auth(alice)}))
        bob_ws.send(json.dumps({"type": "user", "markets": [], "auth": _auth(bob)}))
        carol_ws.send(json.dumps({"type": "user", "markets": [], "auth": _auth(carol)}))
        time.sleep(0.2)
        first = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.55, size=10, side=SELL))["orderID"]
        second = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=10, side=SELL))["orderID"]
        taken = bob.create_and_post_order(OrderArgs(token_id=yes, price=0.60, size=15, side=BUY))
        assert taken["status"] == "matched"
        alice.cancel(second)
        alice_events = _events(alice_ws)
        bob_events = _events(bob_ws)
        assert _events(carol_ws, quiet_seconds=0.2) == []

    assert {e["owner"] for e in alice_events} == {alice.creds.api_key}
    assert {e["owner"] for e in bob_events} == {bob.creds.api_key}
    alice_orders = [e for e in alice_events if e["event_type"] == "order"]
    assert [(e["id"], e["type"], e["status"], e["size_matched"]) for e in alice_orders] == [
        (first, "PLACEMENT", "LIVE", "0"),
        (second, "PLACEMENT", "LIVE", "0"),
        (first, "UPDATE", "MATCHED", "10"),
        (second, "UPDATE", "LIVE", "5"),
        (second, "CANCELLATION", "CANCELED", "5"),
    ]
    for client, events in ((alice, alice_events), (bob, bob_events)):
        final_orders = {e["id"]: e for e in events if e["event_type"] == "order"}
        for order_id, event in final_orders.items():
            rest = client.get_order(order_id)
            for key, value in rest.items():
                assert event[key] == (str(value) if key == "created_at" else value), key
        final_trades = {e["id"]: e for e in events if e["event_type"] == "trade"}
        statuses = [e["status"] for e in events if e["event_type"] == "trade"]
        assert statuses == ["MATCHED", "MINED", "CONFIRMED"]
        (rest_trade,) = client.get_trades(TradeParams(market=condition_id))
        event = final_trades[rest_trade["id"]]
        assert {key: event[key] for key in rest_trade} == rest_trade
        assert event["trade_owner"] == client.creds.api_key
    sides = {e["trader_side"] for e in alice_events if e["event_type"] == "trade"}
    assert sides == {"MAKER"} and {e["trader_side"] for e in bob_events if e["event_type"] == "trade"} == {"TAKER"}


def test_unsubscribe_stops_events_and_subscribe_sends_a_fresh_snapshot(server: Server) -> None:
    condition_id, yes, no = _market(server)
    alice, a = py_client(server)
    server.deposit(a.address, "100")
    with _ws(server, "market") as leaving, _ws(server, "market") as staying:
        for ws in (leaving, staying):
            ws.send(json.dumps({"type": "market", "assets_ids": [yes], "initial_dump": False}))
        leaving.send(json.dumps({"operation": "unsubscribe", "assets_ids": [yes]}))
        time.sleep(0.2)
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.40, size=10, side=BUY))
        assert [e["event_type"] for e in _events(staying)] == ["price_change"]
        assert _events(leaving, quiet_seconds=0.2) == []
        leaving.send(json.dumps({"operation": "subscribe", "assets_ids": [no]}))
        (snapshot,) = _events(leaving)
        assert (snapshot["event_type"], snapshot["asset_id"]) == ("book", no)
        assert snapshot["asks"] == [{"price": "0.6", "size": "10"}]
        assert condition_id == snapshot["market"]


def test_ping_is_answered_with_pong_and_bad_credentials_close_the_socket(server: Server) -> None:
    client, _ = py_client(server)
    with _ws(server, "market") as ws:
        ws.send("PING")
        assert ws.recv(timeout=2) == "PONG"
    with _ws(server, "user") as ws:
        ws.send("PING")
        assert ws.recv(timeout=2) == "PONG"
        wrong = dict(_auth(client), passphrase="0" * 64)
        ws.send(json.dumps({"type": "user", "markets": [], "auth": wrong}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=2)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008 and "Unauthorized" in closed.value.rcvd.reason


def test_a_stalled_reader_is_dropped_without_delaying_others(server: Server) -> None:
    condition_id, yes, no = _market(server)
    alice, a = py_client(server)
    server.deposit(a.address, "1000")
    server.split(a.address, condition_id, "500")
    for cents in range(20, 40):  # a deep book makes snapshots large: about 1.5 kB per token
        alice.create_and_post_order(OrderArgs(token_id=yes, price=cents / 100, size=5, side=BUY))
        alice.create_and_post_order(OrderArgs(token_id=yes, price=(cents + 41) / 100, size=5, side=SELL))
    stalled = StalledClient(server.url.replace("http://", "ws://") + "/ws/market")
    with _ws(server, "market") as healthy:
        healthy.send(json.dumps({"type": "market", "assets_ids": [yes], "initial_dump": False}))
        request = json.dumps({"type": "market", "assets_ids": [yes, no], "initial_dump": True})
        for _ in range(7_000):  # 14,000 snapshots (over the 10,000 events a socket may queue), ~20 MB
            stalled.send(request)
        stalled.send("PING")  # handled after every request above: by then its queue has overflowed
        time.sleep(0.5)
        started = time.monotonic()
        alice.create_and_post_order(OrderArgs(token_id=yes, price=0.45, size=5, side=BUY))
        assert [e["event_type"] for e in _events(healthy, quiet_seconds=0.3)] == ["price_change"]
        assert time.monotonic() - started < 2.0
    texts, close = stalled.read_to_end()
    assert "PONG" not in texts, "the stalled socket was never dropped"
    received = sum(len(f) if isinstance(f, list) else 1 for f in map(json.loads, texts))
    assert received < 14_000
    if close is not None:  # the close frame arrives if the peer resumed reading within the close timeout
        assert close.code == 1013 and "too slow" in close.reason


class StalledClient:
    """A WebSocket client that sends but never reads (until `read_to_end`), with a tiny receive buffer."""

    def __init__(self, url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(url))
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.handshake_exc is None and not self.protocol.events_received():
            self.protocol.receive_data(self.sock.recv(4096))
        assert self.protocol.handshake_exc is None

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def read_to_end(self) -> tuple[list[str], Close | None]:
        """Read until the server ends the connection: the text messages and the close frame, if any."""
        self.sock.settimeout(10)
        texts: list[str] = []
        while True:
            data = self.sock.recv(1 << 20)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            for event in self.protocol.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    texts.append(event.data.decode())
            if not data or self.protocol.close_rcvd is not None:
                self.sock.close()
                return texts, self.protocol.close_rcvd

    def _flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            self.sock.sendall(chunk)
