"""Shared pieces of the HTTP benchmarks: a server to run, wallets that sign fast, and a raw HTTP/1.1 client.

The load generator keeps its own process and speaks HTTP/1.1 over keep-alive sockets with prepared request
bytes, so that it costs a few microseconds a request and the server, not the generator, is measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from coincurve import PrivateKey

from openclob.crypto import (
    OrderV1Fields,
    build_hmac_signature,
    clob_auth_digest,
    keccak256,
    order_v1_digest,
    verifying_contract,
)

ADMIN_TOKEN = "bench-admin-token"
CHAIN_ID = 137


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running `openclob serve` in its own process."""

    url: str
    port: int
    process: subprocess.Popen[bytes]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API; fail loudly on any non-200."""
        response = httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
        )
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def stop(self) -> None:
        """Stop the server."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(db: str | None = None, *extra: str) -> Server:
    """Start a server on a fresh data directory (SQLite by default, or the given --db URL), with `extra` flags."""
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="openclob-bench-"))
    command = [sys.executable, "-m", "openclob.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    command += ["--admin-token", ADMIN_TOKEN, *extra]
    if db:
        command += ["--db", db]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    server = Server(f"http://127.0.0.1:{port}", port, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/time", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("server did not start")


class Wallet:
    """An EOA that signs with coincurve directly (eth-account is far too slow to prepare thousands of orders)."""

    def __init__(self, seed: int) -> None:
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
        return json.dumps(body, separators=(",", ":")).encode()


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
