"""Overload: ten times the measured capacity offered for 30 s.

The target (issue #11): no client times out, every answer is 200, 429 or 503, the server's memory stays
bounded, and every order answered 200 is there afterwards.

A real `openclob serve` (SQLite by default, `--db postgresql://...`) with one market and 100 funded wallets.
First its capacity: the orders/s it sustains closed loop over 128 connections (as `http_orders` measures it).
Then `--factor` times that rate is offered open loop for `--seconds`: request i is due at start + i/rate,
whatever came back before. Requests go out over `--connections` keep-alive sockets, one in flight on each; a
request due while every socket is busy waits in the generator for one, and its `--timeout` (10 s) runs from
its due time, as a caller's would. A request still unanswered at its deadline is a client timeout ("waiting"
if it never got a socket, "on the wire" if it was sent; the socket is then closed, as httpx does). The
server's RSS is sampled every 100 ms (VmRSS, and VmHWM at the end). Once everything is answered or timed out
and the server answers again, every order answered 200 is read back (GET /data/order/{id}).

Every order is signed ahead, in two processes (coincurve), and the generator is one process on uvloop with
asyncio Protocols (no task per request), so that it costs a few microseconds a request; it reports how late
it ran against the schedule, how much of the offered rate it wrote to sockets, and its own CPU.

    ./run bench overload [--db URL] [--factor 10] [--seconds 30] [--connections 2000] [--timeout 10]
                         [--capacity N]

Exits 1 if any answer is not 200, 429 or 503, any client timed out or lost its connection, the server's RSS
grew by more than `--max-rss-growth-mb`, or an acknowledged order is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import time
from array import array
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import cast

import httpx
import msgspec
import uvloop

from _loadgen import (
    Server,
    Wallet,
    create_funded_market,
    fetch_all,
    mixed_orders_parallel,
    percentile,
    raw_request,
    start_server,
)

GOOD = (200, 429, 503)
"""The answers an overloaded server may give."""
WAITING, ON_THE_WIRE, CONNECTION_ERROR = -1, -2, -3
"""Outcomes of requests that got no answer (an HTTP status otherwise; 0 while pending)."""
OUTCOME_NAMES = {WAITING: "timed out waiting for a socket", ON_THE_WIRE: "timed out on the wire"}
OUTCOME_NAMES[CONNECTION_ERROR] = "connection error"
SAMPLE_INTERVAL_S = 0.1
EXPIRY_INTERVAL_S = 0.05


def _rss_kb(pid: int, field_name: str = "VmRSS") -> int:
    """A memory figure of a process, in kB, from /proc/PID/status (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Connection(asyncio.Protocol):
    """One keep-alive socket carrying one request at a time."""

    def __init__(self, engine: OpenLoop) -> None:
        self.engine = engine
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.request = -1
        """The index of the request in flight, -1 when idle."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes
        self.engine.idle(self)

    def send(self, index: int, request: bytes) -> None:
        assert self.transport is not None
        self.request = index
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        at = buffer.find(b"content-length:", 0, end)  # uvicorn writes Starlette's lowercase header names
        length = int(buffer[at + 15 : buffer.find(b"\r\n", at)]) if at >= 0 else 0
        if len(buffer) < end + 4 + length:
            return
        status = int(buffer[9:12])
        body = bytes(buffer[end + 4 : end + 4 + length])
        del buffer[: end + 4 + length]
        index, self.request = self.request, -1
        self.engine.answered(index, status, body)
        self.engine.idle(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.engine.lost(self)


@dataclass
class Second:
    """What happened in one second of the offered window."""

    due: int = 0
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    rss_kb: int = 0


class OpenLoop:
    """Sends `requests[i]` at `start + i / rate` over a pool of sockets; records what came back."""

    def __init__(self, port: int, requests: list[bytes], *, rate: float, connections: int, timeout_s: float) -> None:
        self.port, self.requests, self.rate, self.connections, self.timeout_s = (
            port,
            requests,
            rate,
            connections,
            timeout_s,
        )
        count = len(requests)
        self.outcome = array("i", bytes(4 * count))
        self.sent_at = array("d", bytes(8 * count))
        self.done_at = array("d", bytes(8 * count))
        self.acked: list[int] = []
        """The index of every request answered 200 with success."""
        self.samples: dict[int, bytes] = {}
        """The first body of each non-200 status."""
        self.waiting: deque[int] = deque()
        self.idle_sockets: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.start = 0.0
        self.resolved = 0
        self.dispatched = 0
        self.lags: list[float] = []
        """How late each dispatcher tick ran behind the earliest request it released (s)."""
        self.connect_errors = 0
        self.running = True
        self.seconds: list[Second] = []

    def due(self, index: int) -> float:
        return self.start + index / self.rate

    def _second(self, at: float) -> Second:
        slot = max(0, int(at - self.start))
        while len(self.seconds) <= slot:
            self.seconds.append(Second())
        return self.seconds[slot]

    def _resolve(self, index: int, outcome: int, now: float) -> None:
        self.outcome[index] = outcome
        self.done_at[index] = now
        self.resolved += 1
        self._second(now).statuses[outcome] += 1

    def _take(self, connection: _Connection, now: float) -> bool:
        """Give `connection` the oldest waiting request still within its timeout; False if none."""
        waiting = self.waiting
        while waiting:
            index = waiting.popleft()
            if now - self.due(index) >= self.timeout_s:
                self._resolve(index, WAITING, now)
                continue
            self.sent_at[index] = now
            self._second(now).sent += 1
            self.busy.add(connection)
            connection.send(index, self.requests[index])
            return True
        return False

    def idle(self, connection: _Connection) -> None:
        """A socket is free: give it the next request, or keep it."""
        self.busy.discard(connection)
        if not self._take(connection, time.perf_counter()):
            self.idle_sockets.append(connection)

    def answered(self, index: int, status: int, body: bytes) -> None:
        now = time.perf_counter()
        if now - self.due(index) >= self.timeout_s:  # its caller gave up before this answer came
            self._resolve(index, ON_THE_WIRE, now)
            return
        self._resolve(index, status, now)
        if status == 200:
            answer = msgspec.json.decode(body)
            if answer.get("success"):
                self.acked.append(index)
        elif status not in self.samples:
            self.samples[status] = body[:300]

    def lost(self, connection: _Connection) -> None:
        self.busy.discard(connection)
        if connection in self.idle_sockets:
            self.idle_sockets.remove(connection)
        if connection.request >= 0 and self.outcome[connection.request] == 0:
            self._resolve(connection.request, CONNECTION_ERROR, time.perf_counter())
        if self.running:
            asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            try:
                await loop.create_connection(lambda: _Connection(self), "127.0.0.1", self.port)
                return
            except OSError:
                self.connect_errors += 1
                await asyncio.sleep(0.1)

    def _expire(self, now: float) -> None:
        """Resolve as client timeouts the requests past their deadline; close the sockets of those sent."""
        waiting = self.waiting
        while waiting and now - self.due(waiting[0]) >= self.timeout_s:
            self._resolve(waiting.popleft(), WAITING, now)
        for connection in list(self.busy):
            if connection.request >= 0 and now - self.due(connection.request) >= self.timeout_s:
                self._resolve(connection.request, ON_THE_WIRE, now)
                self.busy.discard(connection)
                if connection.transport is not None:
                    connection.transport.abort()

    async def _sample(self, pid: int) -> None:
        while self.running:
            second = self._second(time.perf_counter())
            second.rss_kb = max(second.rss_kb, _rss_kb(pid))
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    async def run(self, server_pid: int | None = None) -> None:
        """Open the sockets, offer every request on schedule, wait until each is answered or timed out; sample
        the RSS of `server_pid` meanwhile, if given."""
        for first in range(0, self.connections, 200):
            await asyncio.gather(*(self._connect() for _ in range(first, min(self.connections, first + 200))))
        count = len(self.requests)
        self.start = time.perf_counter() + 0.2
        sampler = asyncio.get_running_loop().create_task(self._sample(server_pid)) if server_pid else None
        next_expiry = self.start
        while self.dispatched < count or self.resolved < count:
            now = time.perf_counter()
            due_now = min(count, int((now - self.start) * self.rate) + 1) if now >= self.start else 0
            if due_now > self.dispatched:
                self.lags.append(now - self.due(self.dispatched))
                self._second(now).due += due_now - self.dispatched
                self.waiting.extend(range(self.dispatched, due_now))
                self.dispatched = due_now
                while self.waiting and self.idle_sockets:
                    connection = self.idle_sockets.pop()
                    if not self._take(connection, now):
                        self.idle_sockets.append(connection)
                        break
            if now >= next_expiry:
                self._expire(now)
                next_expiry = now + EXPIRY_INTERVAL_S
            await asyncio.sleep(0.001 if self.dispatched < count else EXPIRY_INTERVAL_S)
        self.running = False
        if sampler is not None:
            await sampler
        for connection in self.busy | set(self.idle_sockets):
            if connection.transport is not None:
                connection.transport.close()


@dataclass
class Cpu:
    """CPU used by the server and by this process (the generator) over a stretch of wall time."""

    server_pid: int
    server_s: float = 0.0
    generator_s: float = 0.0
    wall_s: float = 0.0

    def __enter__(self) -> Cpu:
        self.server_s, self.generator_s, self.wall_s = _cpu_s(self.server_pid), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.server_s = _cpu_s(self.server_pid) - self.server_s
        self.generator_s = time.process_time() - self.generator_s
        self.wall_s = time.perf_counter() - self.wall_s

    def __str__(self) -> str:
        return (
            f"CPU over {self.wall_s:.1f} s: server {self.server_s / self.wall_s:.2f} cores, "
            f"generator {self.generator_s / self.wall_s:.2f}"
        )


def _closed_loop(server: Server, requests: list[bytes], connections: int) -> tuple[float, Counter[int], Cpu]:
    """Answers/s with every socket sending its next request as soon as an answer comes (the open-loop engine with
    every request due at once and no timeout), the statuses, and the CPU used."""
    engine = OpenLoop(server.port, requests, rate=1e12, connections=connections, timeout_s=1e12)
    with Cpu(server.process.pid) as cpu:
        uvloop.run(engine.run())
    return len(requests) / (max(engine.done_at) - engine.start), Counter(engine.outcome), cpu


def _capacity(server: Server, wallets: list[Wallet], token: str, orders: int, connections: int) -> float:
    """Orders/s sustained closed loop, as `http_orders` measures it; every answer must be 200."""
    requests = [request for _, request in mixed_orders_parallel(server.port, wallets, token, orders, 1, 2)]
    rate, statuses, cpu = _closed_loop(server, requests, connections)
    if set(statuses) != {200}:
        raise RuntimeError(f"the capacity run got {dict(statuses)}")
    print(f"capacity: {rate:,.0f} orders/s (closed loop, {connections} connections); {cpu}")
    return rate


def _refusal_ceiling(server: Server, count: int, connections: int, offered: float) -> None:
    """Answers/s to POST /order without credentials (a 401 at the route's first check): about the most answers of
    any kind the server's HTTP layer gives, so about the most requests any shedding could turn away."""
    request = raw_request("POST", "/order", server.port, {}, b"{}")
    rate, statuses, cpu = _closed_loop(server, [request] * count, connections)
    print(
        f"refusal ceiling: {rate:,.0f} answers/s to POST /order without credentials ({dict(statuses)}), "
        f"{rate / offered:.2f} of the rate to offer; {cpu}"
    )


def _milliseconds(values: list[float]) -> str:
    if not values:
        return "-"
    return (
        f"p50 {percentile(values, 0.5) * 1000:,.0f} ms, p99 {percentile(values, 0.99) * 1000:,.0f} ms, "
        f"max {max(values) * 1000:,.0f} ms"
    )


def _report(engine: OpenLoop, seconds: float) -> Counter[int]:
    """Print what the clients saw; return the outcomes."""
    outcomes = Counter(engine.outcome)
    count = len(engine.requests)
    window = [i for i, second in enumerate(engine.seconds) if i < seconds]
    sent_in_window = sum(engine.seconds[i].sent for i in window)
    print(
        f"offered {count:,} requests at {engine.rate:,.0f}/s; written to sockets within the {seconds:.0f} s window: "
        f"{sent_in_window:,} ({sent_in_window / seconds:,.0f}/s, {sent_in_window / count:.1%} of the offered); "
        f"generator late by p99 {percentile(engine.lags, 0.99) * 1000:.1f} ms, max {max(engine.lags) * 1000:.1f} ms"
    )
    print("per second: due, sent, answers and timeouts, server RSS")
    for i, second in enumerate(engine.seconds):
        outcomes_text = ", ".join(f"{OUTCOME_NAMES.get(k, k)}: {n:,}" for k, n in sorted(second.statuses.items()))
        print(
            f"  {i:3d} s: due {second.due:,}, sent {second.sent:,}, {outcomes_text or '-'}, "
            f"RSS {f'{second.rss_kb / 1024:,.0f} MB' if second.rss_kb else '-'}"
        )
    for outcome, number in sorted(outcomes.items()):
        name = OUTCOME_NAMES.get(outcome, f"HTTP {outcome}")
        indices = [i for i in range(count) if engine.outcome[i] == outcome]
        from_due = [engine.done_at[i] - engine.due(i) for i in indices]
        line = f"{name}: {number:,} ({number / count:.1%}); from due time {_milliseconds(from_due)}"
        if outcome > 0 or outcome == ON_THE_WIRE:
            from_send = [engine.done_at[i] - engine.sent_at[i] for i in indices]
            line += f"; from send {_milliseconds(from_send)}"
        print(line)
    for status, body in sorted(engine.samples.items()):
        print(f"  a {status} answer: {body!r}")
    return outcomes


def _read_back(server: Server, wallets: list[Wallet], orders: list[str], indices: list[int]) -> int:
    """Read the orders of these requests (GET /data/order/{id}, the owner's key); return how many are there."""
    requests = []
    for index in indices:
        wallet = wallets[index % len(wallets)]
        path = f"/data/order/{orders[index]}"
        requests.append(raw_request("GET", path, server.port, wallet.l2_headers("GET", path, b""), b""))
    answers = uvloop.run(fetch_all(server.port, requests, 32))
    return sum(status == 200 for status, _ in answers)


def _wait_until_serving(server: Server, limit_s: float) -> float:
    """Seconds until GET /time answers within a second again (raise past `limit_s`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.url + "/time", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
    raise RuntimeError(f"the server did not answer within {limit_s:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", default=None)
    parser.add_argument("--wallets", type=int, default=100)
    parser.add_argument("--factor", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=2_000)
    parser.add_argument("--timeout", type=float, default=10, help="client timeout, seconds from the due time")
    parser.add_argument("--capacity", type=float, default=None, help="orders/s; measured if not given")
    parser.add_argument("--capacity-orders", type=int, default=20_000)
    parser.add_argument("--max-rss-growth-mb", type=float, default=1_024)
    args = parser.parse_args()

    server = start_server(args.db)
    pid = server.process.pid
    try:
        wallets = [Wallet(i) for i in range(args.wallets)]
        market = create_funded_market(server, wallets, collateral="1000000", split="100000")
        token = market["tokens"][0]["token_id"]
        if args.capacity:
            capacity = args.capacity
            print(f"capacity: {capacity:,.0f} orders/s (given)")
        else:
            capacity = _capacity(server, wallets, token, args.capacity_orders, 128)
        rate = capacity * args.factor
        _refusal_ceiling(server, 30_000, 128, rate)
        count = int(rate * args.seconds)
        started = time.perf_counter()
        signed = mixed_orders_parallel(server.port, wallets, token, count, salt_base=100_000_000, processes=2)
        orders, requests = [order for order, _ in signed], [request for _, request in signed]
        del signed
        print(f"signed {count:,} orders in {time.perf_counter() - started:.0f} s")

        engine = OpenLoop(server.port, requests, rate=rate, connections=args.connections, timeout_s=args.timeout)
        rss_before_kb = _rss_kb(pid)
        gc.collect()
        gc.freeze()  # the generator's millions of objects stay out of the collector's way
        gc.disable()
        with Cpu(pid) as cpu:
            uvloop.run(engine.run(pid))
        gc.enable()
        sent = sum(second.sent for second in engine.seconds)
        print(
            f"overload run: {cpu}; the generator's CPU: {cpu.generator_s / max(sent, 1) * 1e6:.0f} µs per request sent"
        )
        outcomes = _report(engine, args.seconds)
        drained_s = _wait_until_serving(server, 300)
        rss_after_kb, hwm_kb = _rss_kb(pid), _rss_kb(pid, "VmHWM")
        peak_kb = max(second.rss_kb for second in engine.seconds)
        growth_mb = (max(peak_kb, hwm_kb) - rss_before_kb) / 1024
        print(
            f"server RSS: {rss_before_kb / 1024:,.0f} MB before, peak {peak_kb / 1024:,.0f} MB sampled, "
            f"{hwm_kb / 1024:,.0f} MB VmHWM, {rss_after_kb / 1024:,.0f} MB after; answering again {drained_s:.1f} s "
            f"after the last client gave up"
        )
        missing = len(engine.acked) - _read_back(server, wallets, orders, engine.acked)
        print(f"acknowledged orders present afterwards: {len(engine.acked) - missing:,} of {len(engine.acked):,}")
        given_up = [i for i, outcome in enumerate(engine.outcome) if outcome in (ON_THE_WIRE, CONNECTION_ERROR)]
        print(
            f"orders placed though their caller had given up: {_read_back(server, wallets, orders, given_up):,} "
            f"of the {len(given_up):,} sent and not answered in time"
        )
    finally:
        server.stop()
        shutil.rmtree(server.data_dir)

    bad = sum(n for outcome, n in outcomes.items() if outcome > 0 and outcome not in GOOD)
    timeouts = outcomes[WAITING] + outcomes[ON_THE_WIRE]
    verdicts = {
        "answers other than 200/429/503": bad,
        "client timeouts": timeouts,
        "connection errors": outcomes[CONNECTION_ERROR] + engine.connect_errors,
        "acknowledged orders missing": missing,
        f"RSS growth above {args.max_rss_growth_mb:,.0f} MB": int(growth_mb > args.max_rss_growth_mb),
    }
    failed = {name: n for name, n in verdicts.items() if n}
    last_200 = max((engine.done_at[i] for i, outcome in enumerate(engine.outcome) if outcome == 200), default=0.0)
    served = outcomes[200] / max(last_200 - engine.start, 1e-9)
    shed = outcomes[429] + outcomes[503]
    print(
        f"overload: {args.factor:g} x {capacity:,.0f} orders/s offered for {args.seconds:.0f} s: {served:,.0f} "
        f"orders/s answered 200 (until the last answer), {shed:,} shed (429/503), {timeouts:,} client timeouts, "
        f"RSS +{growth_mb:,.0f} MB: {'PASS' if not failed else 'FAIL ' + str(failed)}"
    )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
