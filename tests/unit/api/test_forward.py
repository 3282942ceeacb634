"""An edge's forwarding of the sequencer's routes (api/forward.py): the request goes through as it came (raw
path and query, headers, body, the client's address), the answer comes back as it was, and an answer that never
comes drops the client's connection too."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from openclob.api.faults import close_connection
from openclob.api.forward import CLIENT_HEADER, Forwarder, forwarded, with_forwarded_client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Upstream:
    """An ASGI app on a unix socket that records what it is asked and answers, or closes without answering."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.drop = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append({**scope, "body": body})
        if self.drop:
            close_connection(receive)  # as a fault rule's drop does
            return
        headers = [(b"content-type", b"application/json"), (b"x-answer", b"1"), (b"x-answer", b"2")]
        await send({"type": "http.response.start", "status": 418, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"ok": true}'})


@pytest.fixture
async def upstream(tmp_path: Path) -> AsyncIterator[tuple[Upstream, str]]:
    app, path = Upstream(), str(tmp_path / "app.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))  # (leaves logging alone)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield app, path
    server.should_exit = True
    await task
    listener.close()


class _Transport:
    aborted = False

    def abort(self) -> None:
        self.aborted = True


class _Cycle:
    """What uvicorn binds a request's `receive` to: a drop aborts its transport (api/faults.py)."""

    def __init__(self, body: bytes) -> None:
        self.transport = _Transport()
        self.disconnected = False
        self._parts = [
            {"type": "http.request", "body": body[:3], "more_body": True},
            {"type": "http.request", "body": body[3:]},
        ]

    async def receive(self) -> dict[str, Any]:
        return self._parts.pop(0)


async def _forward(path: str, scope: dict[str, Any], body: bytes) -> tuple[list[dict[str, Any]], bool]:
    """Forward one request to the app on `path`; what was sent back, and whether the connection was aborted."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    cycle = _Cycle(body)
    forwarder = Forwarder(path, max_body_bytes=1_000)
    try:
        await forwarder(scope, cycle.receive, send)
    finally:
        await forwarder.close()
    return sent, cycle.transport.aborted


def _scope(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "http", "method": "POST", "path": "/admin/x y", "raw_path": b"/admin/x%20y",
        "query_string": b"a=%2F&b=1", "headers": [(b"host", b"edge"), (b"authorization", b"Bearer t"),
        (b"upgrade", b"h2c")], "client": ("10.0.0.7", 5555),
        **overrides,
    }  # fmt: skip


@pytest.mark.anyio
async def test_a_request_goes_through_as_it_came_and_its_answer_comes_back(upstream: tuple[Upstream, str]) -> None:
    app, path = upstream
    sent, aborted = await _forward(path, _scope(), b'{"amount": "5"}')
    (seen,) = app.seen
    assert (seen["method"], seen["raw_path"], seen["query_string"]) == ("POST", b"/admin/x%20y", b"a=%2F&b=1")
    assert seen["body"] == b'{"amount": "5"}'
    headers = dict(seen["headers"])
    assert headers[b"authorization"] == b"Bearer t" and headers[CLIENT_HEADER] == b"10.0.0.7:5555"
    assert b"upgrade" not in headers  # hop-by-hop headers are the edge's own
    start, body = sent
    assert (
        start["status"] == 418 and (b"x-answer", b"1") in start["headers"] and (b"x-answer", b"2") in start["headers"]
    )
    assert body["body"] == b'{"ok": true}' and not aborted


@pytest.mark.anyio
async def test_an_answer_that_never_comes_drops_the_clients_connection(upstream: tuple[Upstream, str]) -> None:
    app, path = upstream
    app.drop = True
    sent, aborted = await _forward(path, _scope(), b"{}")
    assert sent == [] and aborted


@pytest.mark.anyio
async def test_a_body_over_the_bound_is_refused_413_without_forwarding(upstream: tuple[Upstream, str]) -> None:
    app, path = upstream
    sent, _ = await _forward(path, _scope(), b"x" * 2_000)
    assert sent[0]["status"] == 413 and app.seen == []
    assert (b"connection", b"close") in sent[0]["headers"] and sent[1]["body"] == b'{"error":"Payload too large"}'


def test_which_paths_go_to_the_sequencers_process() -> None:
    assert all(forwarded(p) for p in ("/admin/markets", "/heartbeats", "/v1/heartbeats", "/metrics"))
    assert not any(forwarded(p) for p in ("/order", "/book", "/administrator", "/auth/api-key", "/ws/market"))


def test_the_sequencers_app_takes_the_forwarded_client_as_the_requests_client() -> None:
    scope = _scope(headers=[(CLIENT_HEADER, b"::1:4242")], client=None)
    assert with_forwarded_client(scope)["client"] == ("::1", 4242)
    assert with_forwarded_client(_scope(headers=[]))["client"] == ("10.0.0.7", 5555)
