"""Shared pieces of the HTTP benchmarks: a server to run, wallets that sign fast, and a raw HTTP/1.1 client.

The load generator keeps its own process and speaks HTTP/1.1 over keep-alive sockets with prepared request
bytes, so that it costs a few microseconds a request and the server, not the generator, is measured.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from coincurve import PrivateKey
from psycopg import sql

from openclob.crypto import (
    OrderV1Fields,
    build_hmac_signature,
    clob_auth_digest,
    keccak256,
    order_id,
    order_v1_digest,
    verifying_contract,
)

ADMIN_TOKEN = "bench-admin-token"
CHAIN_ID = 137
UNIT = 1_000_000
POSTGRES_URL = os.environ.get("OPENCLOB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `openclob serve` in its own process, its output appended to `log_path`."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API; fail loudly on any non-200."""
        response = httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
        )
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: its process and, under --workers N, its edge processes (user and
        system, all threads; Linux /proc). An edge that exited is not counted (none do in a benchmark)."""
        return process_tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        """Stop the server."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL the server: no shutdown, no flush."""
        self.process.kill()
        self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def process_tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of process `pid` and its children, from /proc (Linux)."""
    total, parents = 0, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    for each, (parent, ticks) in parents.items():
        if each == pid or parent == pid:
            total += ticks
    return total / os.sysconf("SC_CLK_TCK")


def start_server(db: str | None = None, *extra: str, data_dir: Path | None = None, timeout_s: float = 60) -> Server:
    """Start a server (SQLite by default, or the given --db URL) with `extra` flags on `data_dir`, a fresh one if
    None, and wait until GET /time answers; raise if it exits or does not answer within `timeout_s`."""
    port = free_port()
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="openclob-bench-"))
    command = [sys.executable, "-m", "openclob.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    command += ["--admin-token", ADMIN_TOKEN, *extra]
    if db:
        command += ["--db", db]
    log_path = data_dir / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    server = Server(f"http://127.0.0.1:{port}", port, process, data_dir, log_path)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.url + "/time", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"server did not answer within {timeout_s:.0f} s:\n{server.log_tail()}")


@contextmanager
def fresh_postgres_database(keep: list[bool] | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database (at $OPENCLOB_TEST_POSTGRES_URL's server); dropped afterwards unless
    `keep` holds True by then (to look at what a failed run left)."""
    name = f"openclob_bench_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
        finally:
            if not (keep and keep[0]):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Wallet:
    """An EOA that signs with coincurve directly (eth-account is far too slow to prepare thousands of orders)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.key = PrivateKey(keccak256(f"openclob-bench-wallet-{seed}".encode()))
        public = self.key.public_key.format(compressed=False)[1:]
        self.address = "0x" + keccak256(public)[-20:].hex()
        self.api_key = self.secret = self.passphrase = ""

    def sign(self, digest: bytes) -> str:
        """A 65-byte signature with v in {27, 28}, as the clients send it."""
        signature = self.key.sign_recoverable(digest, hasher=None)
        return "0x" + signature[:64].hex() + bytes([signature[64] + 27]).hex()

    def create_api_key(self, server: Server) -> None:
        """L1: create this wallet's API key."""
        timestamp = str(int(time.time()))
        digest = clob_auth_digest(address=self.address, timestamp=timestamp, nonce=0, chain_id=CHAIN_ID)
        headers = {
            "POLY_ADDRESS": self.address,
            "POLY_SIGNATURE": self.sign(digest),
            "POLY_TIMESTAMP": timestamp,
            "POLY_NONCE": "0",
        }
        creds = httpx.post(server.url + "/auth/api-key", headers=headers, timeout=30).json()
        self.api_key, self.secret, self.passphrase = creds["apiKey"], creds["secret"], creds["passphrase"]

    def l2_headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """L2 headers for one request."""
        timestamp = str(int(time.time()))
        return {
            "POLY_ADDRESS": self.address,
            "POLY_SIGNATURE": build_hmac_signature(self.secret, timestamp, method, path, body),
            "POLY_TIMESTAMP": timestamp,
            "POLY_API_KEY": self.api_key,
            "POLY_PASSPHRASE": self.passphrase,
        }

    def order_body(self, token_id: str, side: str, price_units: int, size_units: int, salt: int) -> bytes:
        """A signed POST /order body for a GTC limit order."""
        return self.signed_order(token_id, side, price_units, size_units, salt)[1]

    def signed_order(self, token_id: str, side: str, price_units: int, size_units: int, salt: int) -> tuple[str, bytes]:
        """A signed POST /order body for a GTC limit order, and the order id the server will give it."""
        collateral = size_units * price_units // 1_000_000
        maker, taker = (collateral, size_units) if side == "BUY" else (size_units, collateral)
        fields = OrderV1Fields(
            salt=salt,
            maker=self.address,
            signer=self.address,
            taker="0x0000000000000000000000000000000000000000",
            token_id=int(token_id),
            maker_amount=maker,
            taker_amount=taker,
            expiration=0,
            nonce=0,
            fee_rate_bps=0,
            side=0 if side == "BUY" else 1,
            signature_type=0,
        )
        digest = order_v1_digest(fields, chain_id=CHAIN_ID, verifying_contract=verifying_contract(CHAIN_ID, 1, False))
        order = {
            "salt": salt,
            "maker": self.address,
            "signer": self.address,
            "taker": fields.taker,
            "tokenId": token_id,
            "makerAmount": str(maker),
            "takerAmount": str(taker),
            "expiration": "0",
            "nonce": "0",
            "feeRateBps": "0",
            "side": side,
            "signatureType": 0,
            "signature": self.sign(digest),
        }
        body = {"order": order, "owner": self.api_key, "orderType": "GTC", "postOnly": False}
        return order_id(digest), json.dumps(body, separators=(",", ":")).encode()

    def copy(self) -> tuple[int, str, str, str]:
        """What rebuilds this wallet in another process (`Wallet.rebuild`): its seed and API credentials."""
        return self.seed, self.api_key, self.secret, self.passphrase

    @classmethod
    def rebuild(cls, copy: tuple[int, str, str, str]) -> Wallet:
        """The wallet `copy()` describes."""
        wallet = cls(copy[0])
        wallet.api_key, wallet.secret, wallet.passphrase = copy[1:]
        return wallet


def create_funded_market(
    server: Server, wallets: list[Wallet], collateral: str, split: str, question: str = "benchmark"
) -> dict[str, Any]:
    """List a market (fixed tick) and give each wallet an API key, `collateral` and `split` of each token; return
    the market."""
    market: dict[str, Any] = server.admin("POST", "/admin/markets", {"question": question, "dynamic_tick": False})
    for wallet in wallets:
        wallet.create_api_key(server)
        server.admin(
            "POST", "/admin/balances", {"address": wallet.address, "asset": "COLLATERAL", "amount": collateral}
        )
        server.admin(
            "POST", "/admin/split", {"address": wallet.address, "condition_id": market["condition_id"], "amount": split}
        )
    return market


def mixed_orders(port: int, wallets: list[Wallet], token: str, start: int, count: int, salt_base: int) -> list[bytes]:
    """Signed POST /order requests number `start` to `start + count`, round robin over the wallets: 90% rest on
    either side of 0.50, 10% buy at 0.60 and cross the asks resting from 0.55."""
    return [request for _, request in mixed_orders_with_ids(port, wallets, token, start, count, salt_base)]


def mixed_orders_with_ids(
    port: int, wallets: list[Wallet], token: str, start: int, count: int, salt_base: int
) -> list[tuple[str, bytes]]:
    """`mixed_orders`, each request with the id of its order."""
    requests = []
    for i in range(start, start + count):
        wallet = wallets[i % len(wallets)]
        if i % 10 == 9:
            side, price = "BUY", 600_000
        elif i % 2:
            side, price = "BUY", 10_000 * (1 + i % 45)
        else:
            side, price = "SELL", 10_000 * (55 + i % 45)
        order, body = wallet.signed_order(token, side, price, 5 * UNIT, salt_base + i)
        headers = wallet.l2_headers("POST", "/order", body)
        requests.append((order, raw_request("POST", "/order", port, headers, body)))
    return requests


def _mixed_orders_elsewhere(
    port: int, copies: list[tuple[int, str, str, str]], token: str, start: int, count: int, salt_base: int
) -> list[tuple[str, bytes]]:
    return mixed_orders_with_ids(port, [Wallet.rebuild(c) for c in copies], token, start, count, salt_base)


def mixed_orders_parallel(
    port: int, wallets: list[Wallet], token: str, count: int, salt_base: int, processes: int
) -> list[tuple[str, bytes]]:
    """`mixed_orders_with_ids(port, wallets, token, 0, count, salt_base)`, signed in `processes` processes."""
    copies = [wallet.copy() for wallet in wallets]
    chunk = 20_000
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        parts = [
            pool.submit(_mixed_orders_elsewhere, port, copies, token, start, min(chunk, count - start), salt_base)
            for start in range(0, count, chunk)
        ]
        return [request for part in parts for request in part.result()]


async def fetch_all(port: int, requests: Sequence[bytes], connections: int = 16) -> list[tuple[int, bytes]]:
    """Send each request once, over `connections` keep-alive sockets; return the answers in request order."""
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(requests)
    pending = iter(range(len(requests)))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in pending:
                writer.write(requests[i])
                answers[i] = await read_response(reader)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(requests)))))
    return answers


def raw_request(method: str, path: str, port: int, headers: dict[str, str], body: bytes) -> bytes:
    """The exact bytes of one HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response with a Content-Length; return (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
