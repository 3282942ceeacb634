"""SIGKILL a server under load again and again: nothing acknowledged is ever lost.

A real `openclob serve` (SQLite, then PostgreSQL on a fresh database) takes orders (many cross), cancels (one,
several, by market, all) and admin deposits from concurrent clients, each client a wallet. Every answer is
remembered. At a random moment of each round (seeded) the server is SIGKILLed, restarted on the same store and
checked before the next round:

- every order answered 200 is there (GET /data/order/{id} with its owner's L2 key), with at least the shares
  its answer said were matched, CANCELED if a cancel answer named it, and never behind what an earlier check
  saw (matched shares do not shrink, MATCHED and CANCELED stay);
- every trade an answer named is there (GET /data/trades?id=, the taker's key); every refused order is absent;
- every open order holds exactly the reservation its wallet's balance shows, and collateral is conserved: the
  deposits (the acknowledged ones, plus any of those whose answer the kill cut off) equal free + reserved
  collateral + the collateral locked in outstanding YES/NO pairs (no fees: every order is fee-free).

After the last round every acknowledged order and trade is read once more.

    ./run bench crash_soak [--kills 100] [--store sqlite|postgres|both] [--seed 1] [--duration-per-round 2]
                           [--clients 64]

One line per round, then per store `crash_soak <store>: ...` with the kills, acknowledged orders checked, lost,
restart time (spawn to the first answer, recovery included) p50/p99 and failures. Exits 1 if anything
acknowledged is lost, a check fails or a restart fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop

from _loadgen import (
    ADMIN_TOKEN,
    UNIT,
    Server,
    Wallet,
    create_funded_market,
    fetch_all,
    fresh_postgres_database,
    percentile,
    raw_request,
    read_response,
    start_server,
)

DEPOSIT = 2_000_000
"""Collateral each wallet gets at the start (whole units); SPLIT of it becomes YES/NO pairs."""
SPLIT = 500_000
ORDERS_PER_CLIENT_SECOND = 250
"""Orders signed ahead per client per second of load: above what one client places on this machine."""
OLD_ORDERS_SAMPLE = 200
"""Orders of earlier rounds read again after each restart (all of them are read after the last round)."""
TERMINAL = ("MATCHED", "CANCELED")
HEX_ID = re.compile("0x[0-9a-f]{64}")


def _units(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole or "0") * UNIT + int((fraction + "000000")[:6])


@dataclass
class Expected:
    """What the clients were told, over all rounds, and what the checks read back."""

    owner: dict[str, Wallet] = field(default_factory=dict)
    """Order id -> the wallet that signed it (every order sent)."""
    acked: dict[str, int] = field(default_factory=dict)
    """Order id (answered 200, success) -> shares matched at placement, as the answer said."""
    trades: dict[str, Wallet] = field(default_factory=dict)
    """Trade id (named by an acknowledged order's answer) -> the taker's wallet."""
    canceled: set[str] = field(default_factory=set)
    """Orders named in the `canceled` list of a 200 cancel answer."""
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Order id -> (status, matched units) at its latest check."""
    deposited_units: int = 0
    """Collateral deposited for sure: at the start, acknowledged, or found applied after a kill."""
    # this round
    new_acked: list[str] = field(default_factory=list)
    new_refused: set[str] = field(default_factory=set)
    new_unanswered: list[str] = field(default_factory=list)
    new_trades: list[str] = field(default_factory=list)
    new_canceled: set[str] = field(default_factory=set)
    pending_deposits: list[int] = field(default_factory=list)
    """Deposits (units) whose answer the kill cut off: applied or not."""
    acked_deposits: int = 0
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(request kind, status) -> count, over all rounds."""
    refusals: Counter[str] = field(default_factory=Counter)
    """Why orders were refused -> count, over all rounds."""

    def start_round(self) -> None:
        """Forget what the previous round's checks have dealt with."""
        self.new_acked, self.new_unanswered, self.new_trades = [], [], []
        self.new_refused, self.new_canceled, self.pending_deposits, self.acked_deposits = set(), set(), [], 0


@dataclass
class Outcome:
    """What went wrong in one store's run."""

    lost: list[str] = field(default_factory=list)
    """Acknowledged orders, fills, cancels or trades not found."""
    failures: list[str] = field(default_factory=list)
    """Everything else: restarts, unexpected answers, broken reservations or conservation."""


@dataclass
class _Link:
    """A client's connection for one round, and where it records what it is told."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    port: int
    expected: Expected


class Client:
    """One wallet's client: places its pre-signed orders, cancels, deposits, until the connection dies."""

    def __init__(self, wallet: Wallet, tokens: tuple[str, str], market: str, seed: int) -> None:
        self.wallet, self.tokens, self.market = wallet, tokens, market
        self.rng = random.Random(seed)
        self.live: list[str] = []
        self.orders: list[tuple[str, str, bytes]] = []
        """This round's signed orders, not sent yet: (order id, side, request), the next one last."""
        self.requests = 0

    def prepare(self, port: int, count: int) -> None:
        """Sign this round's orders: around 0.50 on both tokens, so that many cross (some as MINT or MERGE)."""
        rng, wallet = self.rng, self.wallet
        self.orders, self.requests = [], 0
        for _ in range(count):
            token = self.tokens[0] if rng.random() < 0.8 else self.tokens[1]
            side = rng.choice(("BUY", "SELL"))
            price = rng.randint(40, 60) * 10_000
            order, body = wallet.signed_order(token, side, price, rng.randint(5, 20) * UNIT, rng.getrandbits(48))
            headers = wallet.l2_headers("POST", "/order", body)
            self.orders.append((order, side, raw_request("POST", "/order", port, headers, body)))

    async def run(self, port: int, expected: Expected) -> None:
        """Send requests one at a time until the server goes away."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        link = _Link(reader, writer, port, expected)
        try:
            while True:
                await self._step(link)
        except (OSError, asyncio.IncompleteReadError):
            return  # the server was killed
        finally:
            writer.close()

    async def _step(self, link: _Link) -> None:
        roll = self.rng.random()
        if roll < 0.06 or (not self.orders and not self.live):
            await self._deposit(link)
        elif (roll < 0.66 and self.orders) or not self.live:
            await self._place(link)
        elif roll < 0.83:
            await self._cancel(link, "/order", {"orderID": self.rng.choice(self.live)})
        elif roll < 0.95:
            await self._cancel(link, "/orders", self.rng.sample(self.live, min(len(self.live), 3)))
        elif roll < 0.98:
            await self._cancel(link, "/cancel-market-orders", {"market": self.market, "asset_id": ""})
        else:
            await self._cancel(link, "/cancel-all", None)

    async def _ask(self, link: _Link, request: bytes) -> tuple[int, Any]:
        self.requests += 1
        link.writer.write(request)
        status, body = await read_response(link.reader)
        return status, json.loads(body) if status == 200 else body

    async def _place(self, link: _Link) -> None:
        expected = link.expected
        order, side, request = self.orders.pop()
        expected.owner[order] = self.wallet
        try:
            status, answer = await self._ask(link, request)
        except BaseException:
            expected.new_unanswered.append(order)
            raise
        expected.answers["order", status] += 1
        if status != 200 or not answer["success"]:
            expected.new_refused.add(order)
            reason = answer[:200].decode(errors="replace") if status != 200 else answer["errorMsg"]
            expected.refusals[f"{status} " + HEX_ID.sub("0x…", reason)] += 1
            return
        matched = answer["takingAmount"] if side == "BUY" else answer["makingAmount"]
        expected.acked[order] = _units(matched) if matched else 0
        expected.new_acked.append(order)
        for trade in answer["tradeIDs"]:
            expected.trades[trade] = self.wallet
            expected.new_trades.append(trade)
        if answer["status"] == "live":
            self.live.append(order)

    async def _cancel(self, link: _Link, path: str, payload: object) -> None:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        request = raw_request("DELETE", path, link.port, self.wallet.l2_headers("DELETE", path, body), body)
        status, answer = await self._ask(link, request)
        link.expected.answers[path, status] += 1
        if status != 200:
            return  # counted as unexpected in the summary
        link.expected.canceled.update(answer["canceled"])
        link.expected.new_canceled.update(answer["canceled"])
        gone = set(answer["canceled"]) | set(answer["not_canceled"])
        self.live = [order for order in self.live if order not in gone]

    async def _deposit(self, link: _Link) -> None:
        amount = self.rng.randint(1, 100)
        body = json.dumps({"address": self.wallet.address, "asset": "COLLATERAL", "amount": str(amount)}).encode()
        request = raw_request("POST", "/admin/balances", link.port, {"Authorization": f"Bearer {ADMIN_TOKEN}"}, body)
        try:
            status, _ = await self._ask(link, request)
        except BaseException:
            link.expected.pending_deposits.append(amount * UNIT)
            raise
        link.expected.answers["deposit", status] += 1
        if status == 200:
            link.expected.acked_deposits += amount * UNIT


@dataclass
class Exchange:
    """The run's market, clients and expectations."""

    market: str
    tokens: tuple[str, str]
    clients: list[Client]
    expected: Expected


async def _load(server: Server, clients: list[Client], expected: Expected, kill_after_s: float) -> None:
    """Run every client; SIGKILL the server after `kill_after_s`; return once every client has stopped."""
    asyncio.get_running_loop().call_later(kill_after_s, server.process.kill)
    await asyncio.gather(*(client.run(server.port, expected) for client in clients))


# ---------------------------------------------------------------------------------------------- checks


def _get(port: int, wallet: Wallet, path: str, query: str = "") -> bytes:
    return raw_request("GET", path + query, port, wallet.l2_headers("GET", path, b""), b"")


def _check_order(order: str, status: int, body: bytes, exchange: Exchange, outcome: Outcome) -> None:
    expected = exchange.expected
    if order in expected.acked:
        if status != 200:
            outcome.lost.append(f"acknowledged order {order} not found: {status} {body[:200]!r}")
            return
    elif order in expected.new_refused:
        if status != 404:
            outcome.failures.append(f"refused order {order} was stored: {status} {body[:200]!r}")
        return
    elif status == 404:
        return  # its answer was cut off and it was not applied
    elif status != 200:
        outcome.failures.append(f"reading order {order}: {status} {body[:200]!r}")
        return
    stored = json.loads(body)
    state, matched = stored["status"], _units(stored["size_matched"])
    if order in expected.canceled and state != "CANCELED":
        outcome.lost.append(f"acknowledged cancel of {order} lost: {state}, {stored['size_matched']} matched")
    if matched < expected.acked.get(order, 0):
        outcome.lost.append(f"order {order} matched {matched} units, its answer said {expected.acked[order]}")
    before = expected.seen.get(order)
    if before is not None and (matched < before[1] or (before[0] in TERMINAL and state != before[0])):
        outcome.lost.append(f"order {order} went from {before} to {(state, matched)} over a restart")
    expected.seen[order] = (state, matched)


async def _check_orders(port: int, orders: list[str], exchange: Exchange, outcome: Outcome) -> None:
    owners = exchange.expected.owner
    requests = [_get(port, owners[order], f"/data/order/{order}") for order in orders]
    for order, (status, body) in zip(orders, await fetch_all(port, requests), strict=True):
        _check_order(order, status, body, exchange, outcome)


async def _check_trades(port: int, trades: list[str], exchange: Exchange, outcome: Outcome) -> None:
    takers = exchange.expected.trades
    requests = [_get(port, takers[trade], "/data/trades", f"?id={trade}") for trade in trades]
    for trade, (status, body) in zip(trades, await fetch_all(port, requests), strict=True):
        if status != 200 or trade not in {row["id"] for row in json.loads(body)["data"]}:
            outcome.lost.append(f"acknowledged trade {trade} not found: {status} {body[:200]!r}")


async def _wallet_state(port: int, wallet: Wallet) -> tuple[list[dict[str, Any]], dict[str, tuple[int, int]]]:
    """The wallet's open orders (every page) and its balances: asset -> (free, reserved) units."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        orders: list[dict[str, Any]] = []
        cursor = "MA=="
        while cursor != "LTE=":
            writer.write(_get(port, wallet, "/data/orders", f"?next_cursor={cursor}"))
            status, body = await read_response(reader)
            if status != 200:
                raise RuntimeError(f"GET /data/orders: {status} {body[:200]!r}")
            page = json.loads(body)
            orders += page["data"]
            cursor = page["next_cursor"]
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        writer.write(raw_request("GET", f"/admin/balances?address={wallet.address}", port, headers, b""))
        status, body = await read_response(reader)
        if status != 200:
            raise RuntimeError(f"GET /admin/balances: {status} {body[:200]!r}")
        balances = {row["asset"]: (_units(row["free"]), _units(row["reserved"])) for row in json.loads(body)}
        return orders, balances
    finally:
        writer.close()


async def _check_balances(port: int, exchange: Exchange, outcome: Outcome) -> None:
    """Reservations match the open orders; collateral is conserved. Refresh each client's live orders."""
    expected = exchange.expected
    yes, no = exchange.tokens
    states = await asyncio.gather(*(_wallet_state(port, client.wallet) for client in exchange.clients))
    collateral = yes_supply = no_supply = 0
    for client, (orders, balances) in zip(exchange.clients, states, strict=True):
        reserved = {"COLLATERAL": 0, yes: 0, no: 0}
        for order in orders:
            if order["id"] in expected.canceled:
                outcome.lost.append(f"cancelled order {order['id']} is open again")
            remaining = _units(order["original_size"]) - _units(order["size_matched"])
            if order["side"] == "BUY":
                reserved["COLLATERAL"] += remaining * _units(order["price"]) // UNIT
            else:
                reserved[order["asset_id"]] += remaining
        for asset, amount in reserved.items():
            if balances.get(asset, (0, 0))[1] != amount:
                outcome.failures.append(
                    f"{client.wallet.address} reserves {balances.get(asset)} of {asset}; its open orders {amount}"
                )
        collateral += sum(balances.get("COLLATERAL", (0, 0)))
        yes_supply += sum(balances.get(yes, (0, 0)))
        no_supply += sum(balances.get(no, (0, 0)))
        client.live = [order["id"] for order in orders]
    if yes_supply != no_supply:
        outcome.failures.append(f"YES supply {yes_supply} != NO supply {no_supply}")
    held = collateral + yes_supply
    known = expected.deposited_units + expected.acked_deposits
    possible = {0}
    for amount in expected.pending_deposits:
        possible |= {total + amount for total in possible}
    if held - known not in possible:
        outcome.failures.append(
            f"collateral not conserved: {held} held (free + reserved + pairs), {known} deposited for sure, "
            f"deposits cut off by the kill: {expected.pending_deposits}"
        )
    expected.deposited_units = held if held - known in possible else known


async def _check_round(port: int, exchange: Exchange, rng: random.Random, outcome: Outcome) -> tuple[int, int]:
    """Every check after a restart; return (orders read, trades read)."""
    expected = exchange.expected
    new = set(expected.new_acked) | set(expected.new_refused) | set(expected.new_unanswered)
    old = sorted(set(expected.acked) - new)
    sample = set(rng.sample(old, min(len(old), OLD_ORDERS_SAMPLE)))
    orders = sorted(new) + sorted(sample) + sorted(expected.new_canceled - new - sample)
    await _check_orders(port, orders, exchange, outcome)
    await _check_trades(port, expected.new_trades, exchange, outcome)
    await _check_balances(port, exchange, outcome)
    return len(orders), len(expected.new_trades)


# ---------------------------------------------------------------------------------------------- the run


def _setup(server: Server, clients_count: int, seed: int) -> Exchange:
    wallets = [Wallet(seed * 1_000 + i) for i in range(clients_count)]
    market = create_funded_market(server, wallets, collateral=str(DEPOSIT), split=str(SPLIT), question="crash soak")
    tokens = (market["tokens"][0]["token_id"], market["tokens"][1]["token_id"])
    rng = random.Random(seed)
    clients = [Client(wallet, tokens, market["condition_id"], rng.getrandbits(32)) for wallet in wallets]
    return Exchange(market["condition_id"], tokens, clients, Expected(deposited_units=clients_count * DEPOSIT * UNIT))


def _soak(store: str, db: str | None, args: argparse.Namespace, data_dir: Path) -> Outcome:
    """All the rounds on one store; print a line per round and the summary."""
    outcome = Outcome()
    kills_rng, samples_rng = random.Random(args.seed), random.Random(args.seed + 1)  # same kills, run after run
    server = start_server(db, data_dir=data_dir)
    exchange = _setup(server, args.clients, args.seed)
    expected = exchange.expected
    restarts: list[float] = []
    kills = 0
    try:
        for round_number in range(1, args.kills + 1):
            kill_after_s = kills_rng.uniform(0.05, 1.0) * args.duration_per_round
            expected.start_round()
            for client in exchange.clients:
                client.prepare(server.port, int(kill_after_s * ORDERS_PER_CLIENT_SECOND) + 20)
            uvloop.run(_load(server, exchange.clients, expected, kill_after_s))
            server.process.wait()
            kills += 1
            started = time.perf_counter()
            try:
                server = start_server(db, data_dir=data_dir)
            except RuntimeError as error:
                outcome.failures.append(f"round {round_number}: restart failed: {error}")
                print(f"{store} round {round_number}: RESTART FAILED\n{error}", flush=True)
                break
            restarts.append(time.perf_counter() - started)
            lost_before, failed_before = len(outcome.lost), len(outcome.failures)
            try:
                read_orders, read_trades = uvloop.run(_check_round(server.port, exchange, samples_rng, outcome))
            except (OSError, RuntimeError, asyncio.IncompleteReadError) as error:
                outcome.failures.append(f"round {round_number}: checking failed: {error!r}")
                print(f"{store} round {round_number}: CHECKS FAILED: {error!r}\n{server.log_tail()}", flush=True)
                break
            print(
                f"{store} round {round_number}/{args.kills}: killed after {kill_after_s:.2f} s and "
                f"{sum(c.requests for c in exchange.clients):,} requests (orders: {len(expected.new_acked):,} "
                f"acknowledged, {len(expected.new_refused)} refused, {len(expected.new_unanswered)} cut off; "
                f"{len(expected.new_trades):,} trades, {len(expected.new_canceled):,} cancelled, "
                f"{len(expected.pending_deposits)} deposits cut off); restart {restarts[-1]:.2f} s; "
                f"read {read_orders:,} orders, {read_trades:,} trades: "
                f"lost {len(outcome.lost) - lost_before}, failures {len(outcome.failures) - failed_before}",
                flush=True,
            )
        if server.process.poll() is None:
            uvloop.run(_check_orders(server.port, sorted(expected.acked), exchange, outcome))
            uvloop.run(_check_trades(server.port, sorted(expected.trades), exchange, outcome))
    finally:
        server.stop()
    unexpected = {f"{kind} {status}": n for (kind, status), n in expected.answers.items() if status != 200}
    unexpected_cancels = {k: n for k, n in unexpected.items() if not k.startswith("order ")}
    if unexpected_cancels:
        outcome.failures.append(f"cancels or deposits not answered 200: {unexpected_cancels}")
    restart_p50 = percentile(restarts, 0.5) if restarts else float("nan")
    restart_p99 = percentile(restarts, 0.99) if restarts else float("nan")
    print(
        f"{store} answers other than 200: {unexpected or 'none'}; orders refused: {dict(expected.refusals) or 'none'}"
    )
    print(
        f"crash_soak {store}: {kills} kills, {len(expected.acked):,} acknowledged orders checked "
        f"({len(expected.canceled):,} acknowledged cancels, {len(expected.trades):,} trades), "
        f"lost {len(outcome.lost)}, restart p50 {restart_p50:.2f} s / p99 {restart_p99:.2f} s, "
        f"failures {len(outcome.failures)}",
        flush=True,
    )
    for problem in (outcome.lost + outcome.failures)[:20]:
        print(f"  {problem}")
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration-per-round", type=float, default=2.0, help="seconds; the kill comes within it")
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()

    failed = False
    for store in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        data_dir = Path(tempfile.mkdtemp(prefix=f"openclob-crash-soak-{store}-"))
        keep = [False]
        if store == "sqlite":
            outcome = _soak(store, None, args, data_dir)
        else:
            with fresh_postgres_database(keep) as url:
                outcome = _soak(store, url, args, data_dir)
                keep[0] = bool(outcome.lost or outcome.failures)
                if keep[0]:
                    print(f"kept the database {url}")
        if outcome.lost or outcome.failures:
            failed = True
            print(f"kept the data directory {data_dir}")
        else:
            shutil.rmtree(data_dir)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
