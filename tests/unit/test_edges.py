"""The edge processes of `--workers N`: they share the listening socket, an edge that exits is started again, a
stop reaps them all (killing one that ignores SIGTERM), and none outlives the process that started it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openclob.edges import EdgeProcesses
from openclob.workers import workers_count

EDGE = """
import os, signal, socket, sys
from openclob.edges import die_with_parent

die_with_parent()
fd, index, marks, ignore_term = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
listener = socket.socket(fileno=fd)
open(os.path.join(marks, f"{index}-{os.getpid()}"), "w").close()
while True:
    connection, _ = listener.accept()
    connection.sendall(f"edge {index} {os.getpid()}".encode())
    connection.close()
"""

PARENT = """
import asyncio, socket, sys
from openclob.edges import EdgeProcesses
from openclob.workers import workers_count

async def main():
    listener = socket.create_server(("127.0.0.1", 0))
    command = lambda i: [sys.executable, sys.argv[1], str(listener.fileno()), str(i), sys.argv[2], "0"]
    edges = EdgeProcesses(command, 2, pass_fds=(listener.fileno(),))
    await edges.start()
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening


def _edge_command(tmp_path: Path, listener: socket.socket, *, ignore_term: bool = False) -> Callable[[int], list[str]]:
    script = tmp_path / "edge.py"
    script.write_text(EDGE)
    marks = tmp_path / "marks"
    marks.mkdir(exist_ok=True)
    flag = "1" if ignore_term else "0"
    return lambda index: [sys.executable, str(script), str(listener.fileno()), str(index), str(marks), flag]


async def _marks(tmp_path: Path, count: int) -> list[int]:
    """The pids of the edges that started, once `count` have."""
    for _ in range(200):
        found = sorted(int(mark.name.split("-")[1]) for mark in (tmp_path / "marks").iterdir())
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} edges started")


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _ask(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        return connection.recv(100).decode()


@pytest.mark.anyio
async def test_edges_share_the_port_an_exited_edge_is_started_again_and_stop_reaps_them(
    tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    edges = EdgeProcesses(_edge_command(tmp_path, listener), 2, pass_fds=(listener.fileno(),), restart_delay_s=0.05)
    await edges.start()
    try:
        first = await _marks(tmp_path, 2)
        assert sorted(edges.pids) == first
        answers = {await asyncio.to_thread(_ask, port) for _ in range(20)}
        assert {answer.split()[2] for answer in answers} <= {str(pid) for pid in first}
        os.kill(first[0], signal.SIGKILL)
        everyone = await _marks(tmp_path, 3)
        assert edges.restarts == 1 and not _alive(first[0])
        assert sorted(edges.pids) == sorted(set(everyone) - {first[0]})
        assert (await asyncio.to_thread(_ask, port)).startswith("edge ")
    finally:
        await edges.stop()
    assert not any(_alive(pid) for pid in everyone) and edges.pids == []


@pytest.mark.anyio
async def test_an_edge_that_ignores_sigterm_is_killed_after_the_stop_timeout(
    tmp_path: Path, listener: socket.socket
) -> None:
    command = _edge_command(tmp_path, listener, ignore_term=True)
    edges = EdgeProcesses(command, 1, pass_fds=(listener.fileno(),), stop_timeout_s=0.5)
    await edges.start()
    (pid,) = await _marks(tmp_path, 1)
    started = time.monotonic()
    await edges.stop()
    assert 0.5 <= time.monotonic() - started < 5
    assert not _alive(pid) and edges.restarts == 0


def test_no_edge_outlives_its_parent_even_when_the_parent_is_killed(tmp_path: Path, listener: socket.socket) -> None:
    (tmp_path / "edge.py").write_text(EDGE)
    (tmp_path / "marks").mkdir()
    (tmp_path / "parent.py").write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py"), str(tmp_path / "edge.py"), str(tmp_path / "marks")]
    )
    try:
        pids = asyncio.run(_marks(tmp_path, 2))
        assert all(_alive(pid) for pid in pids)
        parent.kill()
        parent.wait(5)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in pids)
    finally:
        parent.kill()


def test_workers_is_a_count_from_one_or_auto_for_the_cores() -> None:
    assert workers_count("3") == 3 and workers_count("auto") == len(os.sched_getaffinity(0))
    for wrong in ("0", "-1", "two", ""):
        with pytest.raises(ValueError, match="--workers"):
            workers_count(wrong)
