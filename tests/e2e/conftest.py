"""End-to-end harness: a real `openclob serve` on a free loopback port, driven by the official clients."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from py_clob_client.http_helpers import helpers

ADMIN_TOKEN = "e2e-admin-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server and an admin client for it."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def create_market(self, question: str = "Will the test pass?", **fields: Any) -> dict[str, Any]:
        market: dict[str, Any] = self.admin("POST", "/admin/markets", {"question": question, **fields})
        return market

    def deposit(self, address: str, amount: str) -> None:
        self.admin("POST", "/admin/balances", {"address": address, "asset": "COLLATERAL", "amount": amount})

    def split(self, address: str, condition_id: str, amount: str) -> None:
        self.admin("POST", "/admin/split", {"address": address, "condition_id": condition_id, "amount": amount})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


WORKERS = ("--workers", os.environ["OPENCLOB_TEST_WORKERS"]) if os.environ.get("OPENCLOB_TEST_WORKERS") else ()
"""`OPENCLOB_TEST_WORKERS=N` runs every server of the end-to-end tests with `--workers N`."""


def start_server(data_dir: Path, *extra: str, port: int | None = None) -> Server:
    """Start `openclob serve` and wait until GET /time answers."""
    port = port or _free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    command = [
        sys.executable, "-m", "openclob.cli", "serve",
        "--port", str(port), "--data-dir", str(data_dir), "--admin-token", ADMIN_TOKEN, *WORKERS, *extra,
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    server = Server(f"http://127.0.0.1:{port}", process, data_dir, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(server.url + "/time", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not start:\n{log_path.read_text()}")


POSTGRES_URL = os.environ.get("OPENCLOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one server (dropped afterwards); skip if none is reachable."""
    import psycopg

    name = f"openclob_e2e_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A fresh server on each store: the end-to-end tests run against SQLite and PostgreSQL alike."""
    with ExitStack() as stack:
        extra: tuple[str, ...] = ()
        if request.param == "postgres":
            extra = ("--db", stack.enter_context(fresh_postgres_database()))
        running = start_server(tmp_path / "data", *extra)
        stack.callback(running.stop)
        yield running


@dataclass
class Wallet:
    """A fresh EOA."""

    key: str
    address: str


def new_wallet() -> Wallet:
    account = Account.create()
    return Wallet("0x" + account.key.hex().removeprefix("0x"), account.address)


@pytest.fixture
def answers() -> Iterator[list[httpx.Response]]:
    """Every response py-clob-client receives while the test runs (it keeps no headers itself)."""
    seen: list[httpx.Response] = []
    hooks = helpers._http_client.event_hooks
    hooks["response"] = [*hooks["response"], seen.append]
    try:
        yield seen
    finally:
        hooks["response"] = [hook for hook in hooks["response"] if hook != seen.append]
