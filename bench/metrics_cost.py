"""What the metrics cost per request and per order, in process, on one core (the figures http_orders cannot
resolve: an order's whole cost is hundreds of microseconds, mostly signature checks).

- `observe_request_us`: the request observer (api/observe.py) around an ASGI app that answers at once: the
  app's time with the observer counting and timing minus its time without (a route without parameters).
- `count_order_us`: the sequencer's count of one batch (metrics.py `Metrics.applied`), per command, on the
  commands and results of the engine benchmark's mixed workload (60% places, a third of them crossing, 35%
  cancels, 5% market cancels), in batches of 100.

    ./run bench metrics_cost [--requests 200000] [--commands 100000] [--runs 5]

Prints the least and the median of the runs of each (on a shared machine the least is the steadier figure).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from starlette.routing import Route

from engine import _market_ids, _setup, _workload
from openclob.api.observe import RequestObserver
from openclob.core import Applied, Command
from openclob.metrics import Metrics

BATCH = 100


async def _ok(request: Any) -> Any:  # (never called: the route only names a path)
    raise NotImplementedError


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _ignore(message: Any) -> None:
    pass


async def _receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _requests_per_second(count: int, observer: RequestObserver | None) -> float:
    scope = {"type": "http", "method": "POST", "path": "/order", "headers": [], "client": ("127.0.0.1", 1)}
    started = time.perf_counter()
    if observer is None:
        for _ in range(count):
            await _answer(scope, _receive, _ignore)
    else:
        for _ in range(count):
            await observer(scope, _receive, _ignore, _answer)
    return (time.perf_counter() - started) / count


def observe_request_us(count: int) -> float:
    """Microseconds the observer adds to one request."""
    observer = RequestObserver([Route("/order", _ok, methods=["POST"])], Metrics(), access=False)
    bare = asyncio.run(_requests_per_second(count, None))
    observed = asyncio.run(_requests_per_second(count, observer))
    return (observed - bare) * 1e6


def _applied_workload(commands: int) -> tuple[list[Command], list[Applied]]:
    markets = _market_ids(1)
    exchange = _setup(markets)
    seed_commands, stream = _workload(markets, commands, seed=7)
    for command in seed_commands:
        exchange.apply(command)
    return stream, [exchange.apply(command) for command in stream]


def count_order_us(commands: list[Command], applied: list[Applied]) -> float:
    """Microseconds `Metrics.applied` spends per command, in batches of BATCH."""
    metrics = Metrics()
    batches = [(commands[i : i + BATCH], applied[i : i + BATCH]) for i in range(0, len(commands), BATCH)]
    started = time.perf_counter()
    for batch_commands, batch_applied in batches:
        metrics.applied(len(batch_commands), batch_commands, batch_applied)
    return (time.perf_counter() - started) / len(commands) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--commands", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    request_costs = [observe_request_us(args.requests) for _ in range(args.runs)]
    commands, applied = _applied_workload(args.commands)
    order_costs = [count_order_us(commands, applied) for _ in range(args.runs)]
    for name, costs in (("observe_request_us", request_costs), ("count_order_us", order_costs)):
        print(f"{name}: {min(costs):.2f} us (median {statistics.median(costs):.2f}; runs: {_listed(costs)})")


def _listed(costs: list[float]) -> str:
    return ", ".join(f"{cost:.2f}" for cost in costs)


if __name__ == "__main__":
    main()
