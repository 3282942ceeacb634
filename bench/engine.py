"""Engine throughput: a mixed command stream through `Exchange.apply`, events included, on one core.

Workload (as issue #3 sets it): about 60% places of which a third cross, 35% cancels (many aim at orders
that already left the book, as real cancel traffic does), 5% market cancels; the book is seeded with
10,000 resting orders. Run on one market and on 100 markets. Commands are generated before the clock
starts. The last line is the headline: `engine_mixed: <N> commands/s` (the median of the runs, one market).

    ./run bench engine [--commands 200000] [--runs 5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import time

from openclob.core import (
    UNIT,
    CancelMarketOrders,
    CancelOrders,
    Command,
    CreateMarket,
    Deposit,
    Exchange,
    PlaceOrder,
    Side,
    Split,
)

USERS = 2_000
SEED_ORDERS = 10_000


def _market_ids(count: int) -> list[tuple[str, str, str]]:
    return [(f"0x{m:064x}", str(2 * m + 1), str(2 * m + 2)) for m in range(count)]


def _setup(markets: list[tuple[str, str, str]]) -> Exchange:
    exchange = Exchange()
    for condition_id, yes, no in markets:
        exchange.apply(CreateMarket(now_ms=0, condition_id=condition_id, token_ids=(yes, no), dynamic_tick=False))
    for u in range(USERS):
        address = f"0x{u:040x}"
        exchange.apply(Deposit(now_ms=0, address=address, amount=10_000_000 * UNIT))
        for condition_id, _, _ in markets:
            exchange.apply(Split(now_ms=0, address=address, condition_id=condition_id, amount=10_000 * UNIT))
    return exchange


def _workload(markets: list[tuple[str, str, str]], commands: int, seed: int) -> tuple[list[Command], list[Command]]:
    rng = random.Random(seed)
    placed: list[tuple[str, str]] = []
    counter = 0

    def place(now_ms: int, crossing: bool) -> PlaceOrder:
        nonlocal counter
        counter += 1
        _, yes, no = rng.choice(markets)
        user = rng.randrange(USERS)
        # first-token view: resting bids at 0.30-0.49, asks at 0.51-0.70; a crossing order reaches over
        is_bid = rng.random() < 0.5
        if crossing:
            book_price = rng.randint(52, 60) if is_bid else rng.randint(40, 48)
        else:
            book_price = rng.randint(30, 49) if is_bid else rng.randint(51, 70)
        second = rng.random() < 0.5
        token = no if second else yes
        price = 100 - book_price if second else book_price
        side = Side.BUY if is_bid != second else Side.SELL
        shares = rng.randint(5, 50) * UNIT
        collateral = shares * price // 100
        maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
        order_id = f"0x{counter:064x}"
        placed.append((order_id, f"key-{user}"))
        return PlaceOrder(
            now_ms=now_ms,
            order_id=order_id,
            owner=f"key-{user}",
            maker=f"0x{user:040x}",
            signer=f"0x{user:040x}",
            token_id=token,
            side=side,
            maker_amount=maker,
            taker_amount=taker,
        )

    seed_commands: list[Command] = [place(1, crossing=False) for _ in range(SEED_ORDERS)]
    stream: list[Command] = []
    for i in range(commands):
        now_ms = 1_000 + i
        roll = rng.random()
        if roll < 0.60:
            stream.append(place(now_ms, crossing=rng.random() < 1 / 3))
        elif roll < 0.95:
            order_id, owner = placed[rng.randrange(len(placed))]
            stream.append(CancelOrders(now_ms=now_ms, owner=owner, order_ids=(order_id,)))
        else:
            condition_id = rng.choice(markets)[0]
            owner = f"key-{rng.randrange(USERS)}"
            stream.append(CancelMarketOrders(now_ms=now_ms, owner=owner, condition_id=condition_id))
    return seed_commands, stream


def run_once(market_count: int, commands: int, seed: int) -> tuple[float, dict[str, int]]:
    """Return (commands per second, counts) for one run."""
    markets = _market_ids(market_count)
    exchange = _setup(markets)
    seed_commands, stream = _workload(markets, commands, seed)
    for command in seed_commands:
        exchange.apply(command)
    counts: dict[str, int] = {}
    apply = exchange.apply
    started = time.perf_counter()
    events = 0
    for command in stream:
        events += len(apply(command).events)
    elapsed = time.perf_counter() - started
    counts["events"] = events
    counts["resting"] = sum(len(exchange.open_orders(f"key-{u}")) for u in range(USERS))
    return len(stream) / elapsed, counts


def _isolated(market_count: int, commands: int, seed: int) -> tuple[float, dict[str, int]]:
    """Run once in a forked child, so no run inherits another's heap (the figures otherwise drift by a few %)."""
    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    child = context.Process(target=lambda: queue.put(run_once(market_count, commands, seed)))
    child.start()
    result: tuple[float, dict[str, int]] = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    medians = {}
    for market_count in (100, 1):
        rates = []
        for run in range(args.runs):
            rate, counts = _isolated(market_count, args.commands, seed=run)
            rates.append(rate)
            print(f"markets={market_count} run={run} {rate:,.0f} commands/s {counts}")
        medians[market_count] = statistics.median(rates)
        print(f"engine_mixed_{market_count}_markets: {medians[market_count]:,.0f} commands/s (median of {args.runs})")
    print(f"engine_mixed: {medians[1]:.0f} commands/s")


if __name__ == "__main__":
    main()
