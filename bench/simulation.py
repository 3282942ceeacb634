"""Simulated traders on 10 markets: the commands/s they sustain while HTTP orders run, and what they cost them.

A real `openclob serve` (SQLite by default, `--db` for PostgreSQL, running clock) with the HTTP benchmark's
market and wallets (http_orders.py) and 10 more markets. First the HTTP orders' sustained rate is measured
alone (closed loop); then a simulation is started on each of the 10 markets and, once they run, the same load
is measured again while the simulations' command counts (GET /admin/simulations) are read before and after;
then the simulations are stopped. `--rounds` such pairs are run, the load alone first in odd rounds and last in
even ones (the book grows with every run), and medians are printed (the HTTP cost is the median of each round's
1 - with / without).

    ./run bench simulation [--db URL] [--orders 20000] [--connections 128] [--markets 10] [--rounds 4] [--settle 3]

Each round's line gives the server's CPU use (cores, from /proc) during each HTTP run: on a shared machine a
lower rate with less CPU is the machine's doing, not the simulations'. Prints `simulation_alone: <N> commands/s`
(the simulations with nothing else running, over `--settle` s),
`http_orders_without_simulation: <N> orders/s`, `http_orders_with_simulation: <N> orders/s`,
`http_cost: <P>%` and last the headline `simulation: <N> commands/s` (during the HTTP load).
"""

from __future__ import annotations

import argparse
import os
import time
from statistics import median

from _loadgen import Server, Wallet, create_funded_market, mixed_orders, start_server
from http_orders import _closed_loop, _in_process

SIMULATION = {
    "fair_value": {"volatility": 1.0, "jump_rate": 60, "jump_size": 0.3},
    "makers": 4,
    "takers": 10,
    "informed": 2,
    "levels": 5,
    "taker_rate": 4,
}
"""A busy market: quotes move most steps and takers trade several times a second."""


def _commands(server: Server) -> int:
    return sum(s["commands"] for s in server.admin("GET", "/admin/simulations"))


def _cpu_s(server: Server) -> float:
    """The server process's CPU time (user + system) so far, from /proc (Linux)."""
    with open(f"/proc/{server.process.pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _http(
    server: Server, wallets: list[Wallet], token: str, orders: int, connections: int, salt: int
) -> tuple[float, float]:
    """The closed loop's orders/s, and the server's CPU use meanwhile (cores)."""
    requests = mixed_orders(server.port, wallets, token, 0, orders, salt_base=salt)
    cpu = _cpu_s(server)
    elapsed, statuses = _in_process(_closed_loop, server.port, requests, connections, False)
    cores = (_cpu_s(server) - cpu) / elapsed
    if set(statuses) != {200}:
        raise RuntimeError(f"some orders failed: {dict(statuses)}")
    return orders / elapsed, cores


def _start_simulations(server: Server, markets: list[str]) -> list[str]:
    return [
        server.admin("POST", "/admin/simulations", {"condition_id": market, "seed": n, **SIMULATION})["id"]
        for n, market in enumerate(markets)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=None)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--markets", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--settle", type=float, default=3.0)
    args = parser.parse_args()

    server = start_server(args.db)
    try:
        wallets = [Wallet(i) for i in range(100)]
        market = create_funded_market(server, wallets, collateral="1000000", split="100000")
        token = market["tokens"][0]["token_id"]
        markets = [
            server.admin("POST", "/admin/markets", {"question": f"simulated {n}", "dynamic_tick": False})[
                "condition_id"
            ]
            for n in range(args.markets)
        ]
        alone, without, with_simulation, during = [], [], [], []
        cores_without, cores_with = [], []
        for round_ in range(args.rounds):
            salt = 10_000_000 * (2 * round_ + 1)
            if round_ % 2 == 0:  # (ABBA: the book grows with every run, so neither side always runs on the larger)
                rate, cores = _http(server, wallets, token, args.orders, args.connections, salt)
                without.append(rate)
                cores_without.append(cores)
            ids = _start_simulations(server, markets)
            time.sleep(1)  # (the makers' first quotes)
            before, started = _commands(server), time.perf_counter()
            time.sleep(args.settle)
            alone.append((_commands(server) - before) / (time.perf_counter() - started))
            before, started = _commands(server), time.perf_counter()
            rate, cores = _http(server, wallets, token, args.orders, args.connections, salt + 10_000_000)
            with_simulation.append(rate)
            cores_with.append(cores)
            during.append((_commands(server) - before) / (time.perf_counter() - started))
            for sim_id in ids:
                server.admin("DELETE", f"/admin/simulations/{sim_id}")
            if round_ % 2 == 1:
                rate, cores = _http(server, wallets, token, args.orders, args.connections, salt)
                without.append(rate)
                cores_without.append(cores)
            print(
                f"round {round_ + 1}: http {without[-1]:.0f} orders/s alone ({cores_without[-1]:.2f} cores),"
                f" {with_simulation[-1]:.0f} with the simulations ({cores_with[-1]:.2f} cores);"
                f" simulations {alone[-1]:.0f} commands/s alone, {during[-1]:.0f} during http",
                flush=True,
            )
        costs = [1 - w / o for w, o in zip(with_simulation, without, strict=True)]
        print(f"simulation_alone: {median(alone):.0f} commands/s")
        print(f"http_orders_without_simulation: {median(without):.0f} orders/s")
        print(f"http_orders_with_simulation: {median(with_simulation):.0f} orders/s")
        print(f"http_cost: {100 * median(costs):.1f}%")
        print(f"simulation: {median(during):.0f} commands/s")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
