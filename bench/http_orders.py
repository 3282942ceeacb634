"""POST /order over HTTP: sustained orders/s, latency at a fixed offered rate, and a 10,000-order market cancel.

A real `openclob serve` (SQLite by default, `--db postgresql://...` for PostgreSQL) takes signed orders from
many wallets, prepared ahead; a load generator in its own process posts them over keep-alive connections.

    ./run bench http_orders [--db URL] [--orders 20000] [--connections 128] [--rate 1000] [--seconds 10]
                            [--workers N|auto]
                            [--rate-limits polymarket] [--metrics off]

With `--rate-limits polymarket` the server runs with Polymarket's rate limits, every wallet at the Elite tier,
and each connection comes from its own loopback address (127.0.0.2, 127.0.0.3, ...), as if from its own
machine, so that neither the signer buckets nor the per-IP throttle hold the load back: what is measured is
what the limits cost. The 10,000-order market cancel is then left out (one wallet placing 10,000 orders as fast
as it can is what the limits refuse). `--metrics off` runs the server without GET /metrics and its counting
(`--metrics on` says so; without either the flag is not passed, so the script also drives an older tree).

Prints `http_orders_p50_ms`/`http_orders_p99_ms` at the offered rate, `http_orders_cpu_us` (the server's CPU
time per order over the closed loop, all its threads: steadier than a rate on a shared machine),
`cancel_market_orders_10k: <ms> ms`, and last the headline `http_orders: <N> orders/s` (sustained, closed loop).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from collections import Counter
from typing import Any

import httpx

from _loadgen import Server, Wallet, create_funded_market, mixed_orders, percentile, read_response, start_server

UNIT = 1_000_000


def _source(connection: int, spread: bool) -> tuple[str, int] | None:
    """The local address of a connection: its own loopback address when `spread` (127.0.0.2 and up)."""
    return (f"127.0.{connection // 250}.{2 + connection % 250}", 0) if spread else None


async def _closed_loop(port: int, requests: list[bytes], connections: int, spread: bool) -> tuple[float, Counter[int]]:
    pending = iter(requests)
    statuses: Counter[int] = Counter()

    async def worker(connection: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=_source(connection, spread))
        for request in pending:
            writer.write(request)
            status, _ = await read_response(reader)
            statuses[status] += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    return time.perf_counter() - started, statuses


async def _open_loop(
    port: int, requests: list[bytes], rate: float, connections: int, spread: bool
) -> tuple[list[float], Counter[int]]:
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for n in range(connections):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port, local_addr=_source(n, spread)))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def send(request: bytes, due: float) -> None:
        reader, writer = await free.get()
        writer.write(request)
        status, _ = await read_response(reader)
        latencies.append(time.perf_counter() - due)
        statuses[status] += 1
        free.put_nowait((reader, writer))

    loop = asyncio.get_running_loop()
    start = time.perf_counter() + 0.1
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(send(request, due)))
    await asyncio.gather(*tasks)
    return latencies, statuses


def _in_process(target: Any, *args: Any) -> Any:
    """Run the load in a child process (its own core) and return what it returns."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=lambda: queue.put(asyncio.run(target(*args))))
    child.start()
    result = queue.get()
    child.join()
    return result


def _cancel_market_orders_10k(server: Server, condition_id: str, token: str) -> float:
    """Place 10,000 resting orders of one user in one market, then time one DELETE /cancel-market-orders."""
    wallet = Wallet(1_000_000)
    wallet.create_api_key(server)
    server.admin("POST", "/admin/balances", {"address": wallet.address, "asset": "COLLATERAL", "amount": "1000000"})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for start in range(0, 10_000, 15):
            bodies = [
                json.loads(wallet.order_body(token, "BUY", 10_000 * (1 + i % 40), 5 * UNIT, 7_000_000 + i))
                for i in range(start, min(start + 15, 10_000))
            ]
            body = json.dumps(bodies, separators=(",", ":")).encode()
            response = client.post("/orders", content=body, headers=wallet.l2_headers("POST", "/orders", body))
            if response.status_code != 200 or not all(r["success"] for r in response.json()):
                raise RuntimeError(f"placing orders failed: {response.text[:300]}")
        body = json.dumps({"market": condition_id, "asset_id": ""}, separators=(",", ":")).encode()
        headers = wallet.l2_headers("DELETE", "/cancel-market-orders", body)
        started = time.perf_counter()
        response = client.request("DELETE", "/cancel-market-orders", content=body, headers=headers)
        canceled = len(response.json()["canceled"])
        elapsed = time.perf_counter() - started
    if canceled != 10_000:
        raise RuntimeError(f"cancelled {canceled} orders, expected 10000")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=None)
    parser.add_argument("--wallets", type=int, default=100)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--rate", type=float, default=1_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate-limits", choices=("off", "polymarket"), default="off")
    parser.add_argument("--metrics", choices=("off", "on"), default=None)
    parser.add_argument("--workers", default="1", help="the server's --workers (edge processes; auto: one per core)")
    args = parser.parse_args()
    limited = args.rate_limits == "polymarket"

    metrics = ("--metrics", args.metrics) if args.metrics else ()
    workers = ("--workers", args.workers) if args.workers != "1" else ()  # (so that it also drives an older tree)
    server = start_server(args.db, "--rate-limits", args.rate_limits, *workers, *metrics)
    try:
        wallets = [Wallet(i) for i in range(args.wallets)]
        market = create_funded_market(server, wallets, collateral="1000000", split="100000")
        token = market["tokens"][0]["token_id"]
        if limited:
            for wallet in wallets:
                server.admin("PUT", f"/admin/rate-limit-tiers/{wallet.address}", {"tier": "elite"})

        fixed = mixed_orders(server.port, wallets, token, 0, int(args.rate * args.seconds), salt_base=1)
        latencies, statuses = _in_process(_open_loop, server.port, fixed, args.rate, 64, limited)
        print(f"offered {args.rate:.0f} orders/s for {args.seconds:.0f} s: statuses {dict(statuses)}")
        print(f"http_orders_p50_ms: {percentile(latencies, 0.50) * 1000:.2f} ms")
        print(f"http_orders_p99_ms: {percentile(latencies, 0.99) * 1000:.2f} ms")

        sustained = mixed_orders(server.port, wallets, token, 0, args.orders, salt_base=10_000_000)
        cpu_before = server.cpu_seconds()
        elapsed, statuses = _in_process(_closed_loop, server.port, sustained, args.connections, limited)
        cpu_us = (server.cpu_seconds() - cpu_before) / args.orders * 1e6
        print(
            f"sustained: {args.orders} orders in {elapsed:.2f} s over {args.connections} connections: {dict(statuses)}"
        )
        if set(statuses) != {200}:
            raise RuntimeError(f"some orders failed: {dict(statuses)}")
        print(f"http_orders_cpu_us: {cpu_us:.0f} us")

        if not limited:
            other = server.admin("POST", "/admin/markets", {"question": "cancel benchmark", "dynamic_tick": False})
            cancel_s = _cancel_market_orders_10k(server, other["condition_id"], other["tokens"][0]["token_id"])
            print(f"cancel_market_orders_10k: {cancel_s * 1000:.1f} ms")
        print(f"http_orders: {args.orders / elapsed:.0f} orders/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
