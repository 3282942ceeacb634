"""Discovery reads: GET /gamma/markets?limit=100 over 10,000 listed markets, and GET /data-api/positions for a
user holding 1,000 positions.

Starts `openclob serve` (SQLite by default), lists the markets through the admin API over 16 keep-alive
connections (raw HTTP/1.1, so the listing takes a minute rather than ten), gives one user both tokens of
500 of them by splits (1,000 positions, 500 activity rows), then times each read one at a time over one
keep-alive connection, after a warm-up: the median and p99 of `--requests` answers each. The last lines
are the headline: `gamma_markets_limit_100: <median> ms median, <p99> ms p99` and the same for
`data_api_positions_1000` (the default page of 100) and `data_api_positions_1000_limit_500`.

    python bench/discovery.py [--markets 10000] [--positions 1000] [--requests 200] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from contextlib import ExitStack

from _loadgen import (
    ADMIN_TOKEN,
    fetch_all,
    fresh_postgres_database,
    percentile,
    raw_request,
    read_response,
    start_server,
)

USER = "0x" + "ab" * 20
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _admin(port: int, path: str, body: dict[str, object]) -> bytes:
    return raw_request("POST", path, port, ADMIN, json.dumps(body).encode())


async def _list(port: int, markets: int, positions: int) -> list[str]:
    """List the markets; fund the user and split 1 in enough of them for `positions` positions."""
    requests = [_admin(port, "/admin/markets", {"question": f"Will market {i} resolve yes?"}) for i in range(markets)]
    started = time.perf_counter()
    answers = await fetch_all(port, requests)
    if any(status != 200 for status, _ in answers):
        raise RuntimeError(f"listing failed: {next(body for status, body in answers if status != 200)!r}")
    print(f"listed {markets} markets in {time.perf_counter() - started:.1f} s")
    conditions = [json.loads(body)["condition_id"] for _, body in answers]
    funded = positions // 2
    await fetch_all(port, [_admin(port, "/admin/balances", {"address": USER, "amount": str(funded)})])
    splits = [_admin(port, "/admin/split", {"address": USER, "condition_id": c, "amount": "1"}) for c in conditions]
    answers = await fetch_all(port, splits[:funded])
    if any(status != 200 for status, _ in answers):
        raise RuntimeError("a split failed")
    return conditions


async def _time(port: int, path: str, count: int) -> tuple[float, float, int]:
    """(median ms, p99 ms, body bytes) of `count` GETs of `path`, one at a time on one connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = raw_request("GET", path, port, {}, b"")
    times: list[float] = []
    size = 0
    try:
        for i in range(count + count // 10):
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:200]!r}")
            if i >= count // 10:  # (the first tenth warms up)
                times.append(elapsed)
            size = len(body)
    finally:
        writer.close()
    return statistics.median(times), percentile(times, 0.99), size


async def _main(port: int, args: argparse.Namespace) -> None:
    await _list(port, args.markets, args.positions)
    reads = [
        ("gamma_markets_limit_100", "/gamma/markets?limit=100"),
        ("gamma_markets_limit_100_offset_9000", "/gamma/markets?limit=100&offset=9000"),
        ("gamma_events_limit_100", "/gamma/events?limit=100"),
        (f"data_api_positions_{args.positions}", f"/data-api/positions?user={USER}"),
        (f"data_api_positions_{args.positions}_limit_500", f"/data-api/positions?user={USER}&limit=500"),
    ]
    for name, path in reads:
        median, p99, size = await _time(port, path, args.requests)
        print(f"{name}: {median:.1f} ms median, {p99:.1f} ms p99 ({size:,} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=10_000)
    parser.add_argument("--positions", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with ExitStack() as stack:
        db = stack.enter_context(fresh_postgres_database()) if args.db == "postgres" else None
        server = start_server(db)
        stack.callback(server.stop)
        asyncio.run(_main(server.port, args))


if __name__ == "__main__":
    main()
