"""WebSocket fan-out: events delivered per second to many subscribers of one busy market, and their delay.

A real `openclob serve` runs on a loopback port. Subscriber processes open `--subscribers` market-channel
sockets (spread over `--client-processes` processes), all following the YES token of one market. A separate
load-generator process then posts pre-signed GTC orders at `--rate` per second for `--seconds`, over
`--lanes` keep-alive HTTP connections; lane l always bids at its own price, one order at a time, so each
order's resulting level size (price, cumulative size) identifies its `price_change` entry.

Measured:
- deliveries/s: market events received by all subscribers while orders flow, divided by that time (an
  event in a merged JSON-array frame counts once per socket that receives it);
- delay: from the moment the order's POST /order response is read to the moment its price_change
  reaches a subscriber (CLOCK_MONOTONIC is system-wide, so processes compare), over every 10th socket.

The last line is the headline: `ws_fanout: <N> events/s`.

    python bench/ws_fanout.py [--subscribers 1000] [--rate 1000] [--seconds 10] [--workers N|auto]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import msgspec
from coincurve import PrivateKey
from eth_account import Account
from py_clob_client.client import ClobClient
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from openclob.crypto import OrderV1Fields, build_hmac_signature, order_v1_digest, verifying_contract

ADMIN_TOKEN = "ws-fanout-admin"
CHAIN_ID = 137
SHARES_UNITS = 5_000_000
SAMPLE_EVERY = 10
"""Delays are recorded on every 10th socket (all sockets count deliveries)."""
SETTLE_SECONDS = 1.0
"""How long subscribers keep reading after the last acknowledgement."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_server(data_dir: Path, flush_ms: int, workers: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    log = (data_dir / "server.log").open("ab")
    command = [
        sys.executable, "-m", "openclob.cli", "serve", "--port", str(port),
        "--data-dir", str(data_dir), "--admin-token", ADMIN_TOKEN, "--ws-flush-ms", str(flush_ms),
        *(("--workers", workers) if workers != "1" else ()),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/time", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start")


def _admin(url: str, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(url + path, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
    response.raise_for_status()
    return response.json()


# ---------------------------------------------------------------------------- orders


def _lane_price(lane: int) -> int:
    """Lane l bids at (l + 1) cents."""
    return (lane + 1) * 10_000


def _decimal(units: int) -> str:
    whole, frac = divmod(units, 1_000_000)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".") if frac else str(whole)


def _presign(count: int, lanes: int, key: str, creds: Any, address: str, token_id: str) -> list[tuple[bytes, str]]:
    """Raw HTTP requests for `count` BUY orders and the (price, level size) key each one produces."""
    signer = PrivateKey(bytes.fromhex(key.removeprefix("0x")))
    exchange = verifying_contract(CHAIN_ID, 1, False)
    timestamp = str(int(time.time()))
    requests: list[tuple[bytes, str]] = []
    for index in range(count):
        lane, round_ = index % lanes, index // lanes
        price = _lane_price(lane)
        fields = OrderV1Fields(
            salt=secrets.randbits(48), maker=address, signer=address, taker="0x" + "00" * 20, token_id=int(token_id),
            maker_amount=SHARES_UNITS * price // 1_000_000, taker_amount=SHARES_UNITS, expiration=0, nonce=0,
            fee_rate_bps=0, side=0, signature_type=0,
        )  # fmt: skip
        signature = signer.sign_recoverable(
            order_v1_digest(fields, chain_id=CHAIN_ID, verifying_contract=exchange), None
        )
        order = {
            "salt": fields.salt, "maker": address, "signer": address, "taker": fields.taker, "tokenId": token_id,
            "makerAmount": str(fields.maker_amount), "takerAmount": str(fields.taker_amount), "expiration": "0",
            "nonce": "0", "feeRateBps": "0", "side": "BUY", "signatureType": 0,
            "signature": "0x" + signature[:64].hex() + f"{signature[64] + 27:02x}",
        }  # fmt: skip
        body = msgspec.json.encode({"order": order, "owner": creds.api_key, "orderType": "GTC", "postOnly": False})
        hmac = build_hmac_signature(creds.api_secret, timestamp, "POST", "/order", body)
        head = (
            f"POST /order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nPOLY_ADDRESS: {address}\r\nPOLY_SIGNATURE: {hmac}\r\n"
            f"POLY_TIMESTAMP: {timestamp}\r\nPOLY_API_KEY: {creds.api_key}\r\n"
            f"POLY_PASSPHRASE: {creds.api_passphrase}\r\n\r\n"
        )
        requests.append((head.encode() + body, f"{_decimal(price)}|{_decimal(SHARES_UNITS * (round_ + 1))}"))
    return requests


# ---------------------------------------------------------------------------- load generator process


def _generate(url: str, requests: list[tuple[bytes, str]], lanes: int, rate: float, pipe: Connection) -> None:
    """Post the orders at `rate`/s, lane by lane; send back {key: ack time} and the first send time."""
    acks: dict[str, int] = {}
    failures = [0]

    async def lane(index: int, start: float) -> None:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        for number in range(index, len(requests), lanes):
            delay = start + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            request, key = requests[number]
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            acks[key] = time.monotonic_ns()
            if not head.startswith(b"HTTP/1.1 200") or b'"success":true' not in body:
                failures[0] += 1
        writer.close()

    async def main() -> int:
        start = time.monotonic() + 0.2
        started_ns = time.monotonic_ns() + 200_000_000
        await asyncio.gather(*(lane(i, start) for i in range(lanes)))
        return started_ns

    started_ns = asyncio.run(main())
    pipe.send((acks, started_ns, failures[0]))


# ---------------------------------------------------------------------------- subscriber processes


class _Subscriber(asyncio.Protocol):
    """A minimal market-channel client: WebSocket handshake, then unmasked server frames parsed by hand.

    A full client library costs tens of microseconds a frame; on a small machine the thousand clients
    would take the CPU the server is being measured on. Only sampled sockets decode JSON; the others
    count events (each carries one "event_type").
    """

    def __init__(self, url: str, request: str, token_id: str, sampled: bool, record: _Record) -> None:
        self.protocol = ClientProtocol(parse_uri(url))
        self.request, self.token_id, self.sampled, self.record = request, token_id, sampled, record
        self.buffer = bytearray()
        self.open = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        transport.write(b"".join(self.protocol.data_to_send()))

    def data_received(self, data: bytes) -> None:
        if not self.open:
            self.protocol.receive_data(data)
            if self.protocol.events_received():
                self.open = True
                assert self.transport is not None
                self.protocol.send_text(self.request.encode())
                self.transport.write(b"".join(self.protocol.data_to_send()))
                self.ready.set_result(None)
            return
        buffer = self.buffer
        buffer += data
        now = time.monotonic_ns()
        while len(buffer) >= 2:
            size, start = buffer[1] & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, start = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + size:
                return
            payload = bytes(buffer[start : start + size])
            del buffer[: start + size]
            self.record.frame(now, payload, self.sampled, self.token_id)


class _Record:
    """What one subscriber process saw: events per arrival time, and price_change arrivals by key."""

    def __init__(self) -> None:
        self.counts: list[tuple[int, int]] = []
        self.arrivals: dict[str, list[int]] = {}

    def frame(self, now: int, payload: bytes, sampled: bool, token_id: str) -> None:
        self.counts.append((now, payload.count(b'"event_type"')))
        if not sampled:
            return
        frame = msgspec.json.decode(payload)
        for event in frame if isinstance(frame, list) else [frame]:
            if event.get("event_type") == "price_change":
                for entry in event["price_changes"]:
                    if entry["asset_id"] == token_id:
                        self.arrivals.setdefault(f"{entry['price']}|{entry['size']}", []).append(now)


def _subscribe(url: str, token_id: str, sockets: int, first_index: int, pipe: Connection) -> None:
    """Hold `sockets` market sockets; count events, record price_change arrivals on sampled sockets."""
    gc.disable()  # a collection over the growing record would pause this client, not the server
    record = _Record()
    ws_url = url.replace("http://", "ws://") + "/ws/market"
    host, port = url.removeprefix("http://").split(":")
    request = msgspec.json.encode({"type": "market", "assets_ids": [token_id], "initial_dump": False}).decode()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        clients = []
        for index in range(first_index, first_index + sockets):
            sampled = index % SAMPLE_EVERY == 0
            _, client = await loop.create_connection(
                lambda s=sampled: _Subscriber(ws_url, request, token_id, s, record), host, int(port)
            )
            clients.append(client)
        await asyncio.gather(*(c.ready for c in clients))
        await asyncio.sleep(0.5)
        pipe.send("ready")
        await loop.run_in_executor(None, pipe.recv)  # "stop"
        for client in clients:
            if client.transport is not None:
                client.transport.close()

    asyncio.run(main())
    acks, window_start, window_end = pipe.recv()
    delivered = sum(n for at, n in record.counts if window_start <= at <= window_end)
    delays = [at - acks[key] for key, times in record.arrivals.items() if key in acks for at in times]
    pipe.send((delivered, delays, sum(len(t) for t in record.arrivals.values())))


# ---------------------------------------------------------------------------- main


def _percentile(sorted_values: list[int], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1_000.0, help="orders per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--lanes", type=int, default=50, help="concurrent order connections (one price each)")
    parser.add_argument("--flush-ms", type=int, default=10, help="the server's --ws-flush-ms")
    parser.add_argument("--workers", default="1", help="the server's --workers (edge processes; auto: one per core)")
    args = parser.parse_args()
    count = int(args.rate * args.seconds)

    with tempfile.TemporaryDirectory() as tmp:
        server, url = _start_server(Path(tmp), args.flush_ms, args.workers)
        try:
            market = _admin(url, "/admin/markets", {"question": "Will the fan-out keep up?"})
            yes = market["tokens"][0]["token_id"]
            account = Account.create()
            key = "0x" + account.key.hex().removeprefix("0x")
            client = ClobClient(url, key=key, chain_id=CHAIN_ID)
            creds = client.create_or_derive_api_creds()
            _admin(url, "/admin/balances", {"address": account.address, "asset": "COLLATERAL", "amount": "1000000"})
            print(f"pre-signing {count} orders over {args.lanes} lanes...", flush=True)
            requests = _presign(count, args.lanes, key, creds, account.address.lower(), yes)

            context = multiprocessing.get_context("spawn")
            per_process = [args.subscribers // args.client_processes] * args.client_processes
            per_process[0] += args.subscribers - sum(per_process)
            pipes, processes, first = [], [], 0
            for sockets in per_process:
                ours, theirs = context.Pipe()
                process = context.Process(target=_subscribe, args=(url, yes, sockets, first, theirs))
                process.start()
                pipes.append(ours)
                processes.append(process)
                first += sockets
            for pipe in pipes:
                assert pipe.recv() == "ready"
            print(f"{args.subscribers} subscribers connected; posting {count} orders at {args.rate:g}/s", flush=True)

            ours, theirs = context.Pipe()
            generator = context.Process(target=_generate, args=(url, requests, args.lanes, args.rate, theirs))
            generator.start()
            acks, started_ns, failures = ours.recv()
            generator.join()
            last_ack = max(acks.values())
            time.sleep(SETTLE_SECONDS)
            for pipe in pipes:
                pipe.send("stop")
            for pipe in pipes:
                pipe.send((acks, started_ns, last_ack))
            delivered, delays, samples = 0, [], 0
            for pipe in pipes:
                d, lags, s = pipe.recv()
                delivered += d
                delays.extend(lags)
                samples += s
            for process in processes:
                process.join()
        finally:
            server.terminate()
            server.wait(timeout=10)

    window = (last_ack - started_ns) / 1e9
    delays.sort()
    expected = len(acks) * len(range(0, args.subscribers, SAMPLE_EVERY))
    print(f"orders: {len(acks)} acknowledged ({failures} refused) in {window:.2f} s = {len(acks) / window:,.0f}/s")
    print(f"deliveries: {delivered:,} events to {args.subscribers} sockets in {window:.2f} s")
    print(f"delay ack -> price_change over {samples:,} of {expected:,} sampled deliveries: "
          f"p50 {_percentile(delays, 0.5):.1f} ms, p99 {_percentile(delays, 0.99):.1f} ms, "
          f"max {_percentile(delays, 1.0):.1f} ms")  # fmt: skip
    print(f"cpus: {os.cpu_count()}")
    print(f"ws_fanout: {delivered / window:,.0f} events/s")


if __name__ == "__main__":
    main()
