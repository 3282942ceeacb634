"""`openclob serve --workers 2` as processes: an edge that dies is started again while the others serve, its
WebSocket clients reconnect, and SIGTERM (or the sequencer's process dying) leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from py_clob_client.clob_types import OrderArgs
from py_clob_client.order_builder.constants import BUY
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, start_server


def _edges(server: Server) -> list[int]:
    """The pids of the server's edge processes (its children running `openclob.cli serve`)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid and b"--edge-link" in command and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _until(condition: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)
    assert condition(), "timed out"  # type: ignore[operator]


@pytest.fixture
def two_edges(tmp_path: Path) -> Server:
    running = start_server(tmp_path / "data", "--workers", "2")
    _until(lambda: len(_edges(running)) == 2)
    return running


def test_an_edge_that_dies_is_started_again_and_its_websocket_clients_reconnect(two_edges: Server) -> None:
    server = two_edges
    try:
        market = server.create_market()
        yes = market["tokens"][0]["token_id"]
        client, wallet = py_client(server)
        server.deposit(wallet.address, "100")
        first, second = _edges(server)
        stack = ExitStack()
        sockets = [stack.enter_context(connect(server.url.replace("http", "ws") + "/ws/market")) for _ in range(8)]
        for ws in sockets:  # the kernel spreads them over both edges
            ws.send(json.dumps({"assets_ids": [yes], "type": "market"}))
            assert json.loads(ws.recv(timeout=5))[0]["event_type"] == "book"
        os.kill(first, signal.SIGKILL)
        _until(lambda: len(_edges(server)) == 2 and first not in _edges(server))
        closed = 0
        for ws in sockets:
            try:
                ws.recv(timeout=0.5)
            except TimeoutError:
                pass  # on the edge that lives: nothing to say yet
            except ConnectionClosed:
                closed += 1
        stack.close()
        assert second in _edges(server)
        order = client.create_and_post_order(OrderArgs(token_id=yes, price=0.4, size=10, side=BUY))
        assert order["success"]  # whichever edge it reached, and the restarted one is ready too
        with connect(server.url.replace("http", "ws") + "/ws/market") as again:
            again.send(json.dumps({"assets_ids": [yes], "type": "market"}))
            (book,) = json.loads(again.recv(timeout=5))
            assert book["bids"] == [{"price": "0.4", "size": "10"}]
        for _ in range(20):  # every edge answers, the new one included
            assert httpx.get(server.url + "/book", params={"token_id": yes}).json()["bids"] == book["bids"]
        assert closed >= 1  # the sockets of the edge that died were closed under their clients
    finally:
        server.stop()


def test_sigterm_stops_every_process_and_killing_the_sequencers_process_takes_its_edges(tmp_path: Path) -> None:
    stopped = start_server(tmp_path / "a", "--workers", "2")
    _until(lambda: len(_edges(stopped)) == 2)
    edges = _edges(stopped)
    stopped.process.send_signal(signal.SIGTERM)
    assert stopped.process.wait(timeout=30) in (0, -signal.SIGTERM)  # (uvicorn re-raises the signal it stopped on)
    assert not any(_alive(pid) for pid in edges)

    killed = start_server(tmp_path / "b", "--workers", "2")
    _until(lambda: len(_edges(killed)) == 2)
    edges = _edges(killed)
    killed.process.kill()
    killed.process.wait(timeout=10)
    _until(lambda: not any(_alive(pid) for pid in edges), 10)
