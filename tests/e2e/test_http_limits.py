"""A real server bounds what a request may make it read: request line, headers, body and WebSocket messages.

Each refusal comes before the oversized part is read, and the server goes on answering.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
import websockets

from openclob.api.errors import OVERLOADED
from openclob.config import Limits
from tests.e2e.conftest import ADMIN_TOKEN, Server, fresh_postgres_database, start_server

LIMITS = Limits()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("limits") / "data")
    yield running
    running.stop()


def _exchange(server: Server, request: bytes) -> bytes:
    """Send `request` (which may be incomplete) and read the answer until the server closes the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        return _read_to_close(sock)


def _read_to_close(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65_536):
        answer += chunk
    return answer


def _still_serving(server: Server) -> None:
    assert httpx.get(server.url + "/ok", timeout=5).status_code == 200


def test_a_request_line_past_the_bound_gets_414_and_the_connection_closes(server: Server) -> None:
    path = "/book?token_id=" + "1" * LIMITS.max_request_line_bytes
    answer = _exchange(server, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 414 ")
    assert b"connection: close" in answer.lower()
    _still_serving(server)


def test_headers_past_the_bound_get_431_before_the_rest_is_read(server: Server) -> None:
    big = "x" * (LIMITS.max_header_bytes + 1)
    answer = _exchange(server, f"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n".encode())  # never ends
    assert answer.startswith(b"HTTP/1.1 431 ")
    _still_serving(server)


def test_many_small_headers_past_the_bound_get_431(server: Server) -> None:
    headers = "".join(f"X-H{i}: {'v' * 100}\r\n" for i in range(LIMITS.max_header_bytes // 100))
    answer = _exchange(server, f"GET /ok HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_declared_body_past_the_bound_gets_413_before_a_byte_of_it_is_sent(server: Server) -> None:
    head = f"POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: {500 * 1024 * 1024}\r\n\r\n".encode()
    answer = _exchange(server, head)  # nothing of the 500 MiB is ever sent
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"error": "Payload too large"}
    _still_serving(server)


def test_a_chunked_body_past_the_bound_gets_413_while_it_streams(server: Server) -> None:
    size = LIMITS.max_body_bytes + 1  # one chunk just past the bound, and the body never ends
    head = b"POST /order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = _exchange(server, head + b"%x\r\n" % size + b"a" * size + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")
    _still_serving(server)


def test_a_websocket_message_past_the_bound_closes_the_socket_with_1009(server: Server) -> None:
    async def send_too_big() -> int | None:
        async with websockets.connect(server.url.replace("http", "ws") + "/ws/market") as socket_:
            await socket_.send("x" * (LIMITS.ws_max_message_bytes + 1))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket_.recv(), 10)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(send_too_big()) == 1009
    _still_serving(server)


def test_json_nested_deeply_is_refused_not_a_crash(server: Server) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    response = httpx.post(server.url + "/books", content=deep, timeout=10)
    assert 400 <= response.status_code < 500
    _still_serving(server)


async def _market_socket_answers_ping(server: Server) -> bool:
    async with websockets.connect(server.url.replace("http", "ws") + "/ws/market") as socket_:
        await socket_.send("PING")
        return await asyncio.wait_for(socket_.recv(), 10) == "PONG"


def test_past_the_inflight_bound_the_server_answers_503_at_once_and_recovers(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        # --max-inflight bounds each process's requests in hand; which edge of --workers N a connection reaches
        # is the kernel's choice, so that the two held deposits fill one process is certain only with one.
        server = start_server(tmp_path / "data", "--db", url, "--max-inflight", "2", "--workers", "1")
        blocker = psycopg.connect(url)
        try:
            deposit = {"address": "0x" + "3" * 40, "asset": "COLLATERAL", "amount": "1"}
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            blocker.execute("LOCK TABLE journal IN ACCESS EXCLUSIVE MODE")  # the next writes wait
            with ThreadPoolExecutor(2) as pool:
                held = [
                    pool.submit(httpx.post, server.url + "/admin/balances", json=deposit, headers=headers, timeout=30)
                    for _ in range(2)
                ]
                deadline = time.monotonic() + 10
                while httpx.get(server.url + "/ready", timeout=5).status_code == 200:  # until both are in hand
                    assert time.monotonic() < deadline, "the two deposits never got in flight"
                    time.sleep(0.02)
                shed = httpx.post(server.url + "/admin/balances", json=deposit, headers=headers, timeout=5)
                assert shed.status_code == 503
                assert shed.json() == {"error": OVERLOADED}
                assert shed.headers["retry-after"] == "1"
                assert asyncio.run(_market_socket_answers_ping(server))  # WebSockets are not shed
                blocker.rollback()  # the lock goes: the two held deposits are written and answered
                assert [future.result().status_code for future in held] == [200, 200]
            balances = server.admin("GET", "/admin/balances?address=" + deposit["address"])
            assert balances[0]["balance"] == "2"  # the shed one was never applied
        finally:
            blocker.close()
            server.stop()
