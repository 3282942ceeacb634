"""The store's share of a 10,000-order market cancel, in process: no HTTP, the real sequencer and store.

A `Service` on a fresh store (SQLite by default) gets 10,000 resting bids of one owner in one market, then
one `CancelMarketOrders`; the clock measures that submit from the call until it returns (durable), and
separately the core's `apply` and the store's `write` of that batch. The last line is the headline:
`cancel_market_orders_10k_in_process: <ms> ms`.

    python bench/store_write.py [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from openclob.config import Settings
from openclob.core import UNIT, Applied, Canceled, CancelMarketOrders, Command, CreateMarket, Deposit, PlaceOrder, Side
from openclob.service import Service
from openclob.store import Batch
from openclob.store.sql import SqlStore
from openclob.store.sqlite import SqliteStore

MARKET, OWNER, ADDRESS = "0x" + "ab" * 32, "key-bench", "0x" + "11" * 20
ORDERS = 10_000


async def _run(store: SqlStore[Any]) -> tuple[float, float, float]:
    service = Service(store, Settings(time_advance_interval_ms=3_600_000))
    await service.start()
    await service.submit(CreateMarket(now_ms=0, condition_id=MARKET, token_ids=("1", "2"), dynamic_tick=False))
    await service.submit(Deposit(now_ms=0, address=ADDRESS, amount=1_000_000 * UNIT))
    bids: list[Command] = []
    for i in range(ORDERS):
        price, shares = 10_000 * (1 + i % 40), 5 * UNIT
        bid = PlaceOrder(
            now_ms=0, order_id=f"0x{i + 1:064x}", owner=OWNER, maker=ADDRESS, signer=ADDRESS, token_id="1",
            side=Side.BUY, maker_amount=shares * price // UNIT, taker_amount=shares,
        )  # fmt: skip
        bids.append(bid)
    for start in range(0, ORDERS, 1_000):
        await service.submit_many(bids[start : start + 1_000])

    spent: dict[str, float] = {}
    write, apply = store.write, service.exchange.apply

    def timed_write(batch: Batch) -> None:
        started = time.perf_counter()
        write(batch)
        spent["write"] = time.perf_counter() - started

    def timed_apply(command: Command) -> Applied:
        started = time.perf_counter()
        applied = apply(command)
        spent["core"] = time.perf_counter() - started
        return applied

    store.write = timed_write  # type: ignore[method-assign]
    service.exchange.apply = timed_apply  # type: ignore[method-assign]
    started = time.perf_counter()
    receipt = await service.submit(CancelMarketOrders(now_ms=0, owner=OWNER, condition_id=MARKET))
    total = time.perf_counter() - started
    result = receipt.applied.result
    if not isinstance(result, Canceled) or len(result.canceled) != ORDERS:
        raise RuntimeError(f"expected {ORDERS} cancels, got {result}")
    if len(store.notifications(OWNER)) != ORDERS:
        raise RuntimeError("a cancel notification is missing")
    await service.stop()
    return total, spent["core"], spent["write"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=None, help="postgresql://... (default: a SQLite file in a temp directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openclob-store-write-") as directory:
        if args.db:
            from openclob.store.postgres import PostgresStore

            store: SqlStore[Any] = PostgresStore(args.db)
        else:
            store = SqliteStore(Path(directory) / "bench.db")
        total, core, write = asyncio.run(_run(store))
    print(f"core apply: {core * 1000:.1f} ms; store write: {write * 1000:.1f} ms")
    print(f"cancel_market_orders_10k_in_process: {total * 1000:.1f} ms")


if __name__ == "__main__":
    main()
