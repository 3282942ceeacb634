"""A real server listens while it recovers its state: it answers 425 (as Polymarket's restarting engine does) until
the journal is replayed, then serves the recovered state."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from openclob.core import UNIT, Deposit
from openclob.store import Batch, Journalled
from openclob.store.sqlite import SqliteStore
from tests.e2e.conftest import ADMIN_TOKEN

JOURNAL_ENTRIES = 50_000
"""Deposits journalled before the start: enough replay (a few tenths of a second) to be seen recovering."""
ADDRESS = "0x" + "4d" * 20


def _journal_of_deposits(path: Path) -> None:
    store = SqliteStore(path)
    store.open()
    try:
        for first in range(1, JOURNAL_ENTRIES + 1, 10_000):
            entries = [
                Journalled(
                    sequence=n, command=Deposit(now_ms=1_700_000_000_000, address=ADDRESS, amount=UNIT), events=[]
                )
                for n in range(first, min(first + 10_000, JOURNAL_ENTRIES + 1))
            ]
            store.write(Batch(entries=entries))  # unprojected: recovery projects them too
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_recovering_server_answers_425_then_serves_what_it_recovered(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _journal_of_deposits(data_dir / "openclob.db")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "openclob.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [*command, "--admin-token", ADMIN_TOKEN], stdout=log, stderr=subprocess.STDOUT, env={**os.environ}
        )
    try:
        seen: list[tuple[int, str]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not seen or seen[-1][0] != 200):
            try:
                response = httpx.get(url + "/ok", timeout=5)
                seen.append((response.status_code, response.headers.get("retry-after", "")))
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.005)
        assert (425, "1") in seen, seen[:5]  # it answered while recovering
        assert seen[-1][0] == 200, seen[-5:]
        assert seen.index((425, "1")) < len(seen) - 1
        balances = httpx.get(
            url + "/admin/balances",
            params={"address": ADDRESS},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        ).json()
        assert balances[0]["balance"] == str(JOURNAL_ENTRIES)  # every journalled deposit, replayed
    finally:
        process.terminate()
        process.wait(timeout=30)
