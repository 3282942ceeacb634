"""Per-IP throttling of every HTTP request, as Cloudflare does in front of Polymarket: delay, not rejection.

On with `openclob serve --rate-limits polymarket`. Polymarket's CLOB limits (reference section 6.3, from
docs.polymarket.com/api-reference/rate-limits) count a client IP's requests over sliding windows, and a request
over a limit is held back until the window admits it. Every request counts toward the general limit and toward
its endpoint's limits (`windows_for`). A window is Cloudflare's sliding-window estimate: this fixed window's count
plus the previous one's, weighted by the share of it the sliding window still covers (constant memory per IP and
limit, where an exact log would keep a time per request).

A request over a limit waits (`asyncio.sleep`) until the estimate admits it, behind the requests of the same IP
and endpoint already waiting (first come, first served). What waits is bounded (config.Limits): a request that
would wait longer than `throttle_max_delay_ms` (10 s, one short window), or that finds
`throttle_max_waiting_per_ip` (1,000) requests of its IP already waiting, gets 429 `{"error": "Too Many
Requests"}` with `Retry-After` (whole seconds, rounded up) at once. An IP idle for twice the longest window is
forgotten. The caller's IP is the connection's peer: openclob reads no X-Forwarded-For.

Figures: all from section 6.3, except DELETE /orders, /cancel-all and /cancel-market-orders, which it did not
capture: theirs come from a third-party transcription of the same page (polyoxide's docs/specs/clob/rate-limits.md,
2026-07), which gives higher figures for POST and DELETE /order (5,000 / 10 s) than section 6.3 (kept here).
Inferred: the ledger group (900 / 10 s) counts GET requests only, with GET /order/{id} and /data/order/{id} as its
"/order"; "/ok" is both health routes (/ and /ok); "tick size" is /tick-size and /tick-size/{token_id}; the whole
site's 15,000 / 10 s is left out (the general 9,000 is lower).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Scope

from openclob.api.errors import TOO_MANY_REQUESTS
from openclob.api.http import JSONResponse
from openclob.config import Limits

_TOLERANCE = 1e-9
"""Slack on a window's count, so that a request woken exactly when it fits is admitted despite rounding."""
SWEEP_INTERVAL_S = 60.0
"""How often idle IPs are looked for."""


@dataclass(frozen=True, slots=True)
class Window:
    """A limit: at most `limit` requests in any `seconds`."""

    name: str
    limit: int
    seconds: float = 10.0


GENERAL = Window("general", 9_000)


def _limits(*windows: Window) -> tuple[Window, ...]:
    return (GENERAL, *windows)


def _trading(name: str, burst: int, sustained: int) -> tuple[Window, ...]:
    return _limits(Window(name, burst), Window(name + " sustained", sustained, 600.0))


_HEALTH = _limits(Window("health", 100))
_LEDGER = Window("ledger", 900)
_TICK_SIZE = _limits(Window("tick-size", 200))
_PRICES, _MIDPOINTS = _limits(Window("prices", 500)), _limits(Window("midpoints", 500))
_EXACT: dict[tuple[str, str], tuple[Window, ...]] = {
    ("GET", "/"): _HEALTH,
    ("GET", "/ok"): _HEALTH,
    ("GET", "/balance-allowance"): _limits(Window("balance-allowance", 200)),
    ("GET", "/balance-allowance/update"): _limits(Window("balance-allowance update", 50)),
    ("GET", "/book"): _limits(Window("book", 1_500)),
    ("POST", "/books"): _limits(Window("books", 500)),
    ("GET", "/price"): _limits(Window("price", 1_500)),
    ("GET", "/prices"): _PRICES,
    ("POST", "/prices"): _PRICES,
    ("GET", "/midpoint"): _limits(Window("midpoint", 1_500)),
    ("GET", "/midpoints"): _MIDPOINTS,
    ("POST", "/midpoints"): _MIDPOINTS,
    ("GET", "/prices-history"): _limits(Window("prices-history", 1_000)),
    ("GET", "/tick-size"): _TICK_SIZE,
    ("GET", "/trades"): _limits(_LEDGER),
    ("GET", "/orders"): _limits(_LEDGER),
    ("GET", "/notifications"): _limits(_LEDGER, Window("notifications", 125)),
    ("GET", "/data/orders"): _limits(Window("data/orders", 500)),
    ("GET", "/data/trades"): _limits(Window("data/trades", 500)),
    ("POST", "/order"): _trading("POST /order", 3_500, 36_000),
    ("DELETE", "/order"): _trading("DELETE /order", 3_000, 30_000),
    ("POST", "/orders"): _trading("POST /orders", 1_000, 15_000),
    ("DELETE", "/orders"): _trading("DELETE /orders", 2_000, 15_000),
    ("DELETE", "/cancel-all"): _trading("DELETE /cancel-all", 250, 6_000),
    ("DELETE", "/cancel-market-orders"): _trading("DELETE /cancel-market-orders", 1_500, 21_000),
}
_PREFIXES: tuple[tuple[str, str | None, tuple[Window, ...]], ...] = (
    ("/auth/", None, _limits(Window("api keys", 100))),
    ("/order/", "GET", _limits(_LEDGER)),
    ("/data/order/", "GET", _limits(_LEDGER)),
    ("/tick-size/", "GET", _TICK_SIZE),
)
"""(path prefix, method or None for any, windows) for the routes with a path parameter."""
_GENERAL_ONLY = _limits()
LONGEST_WINDOW_S = max(w.seconds for windows in _EXACT.values() for w in windows)


def windows_for(method: str, path: str) -> tuple[Window, ...]:
    """The limits a request counts toward: the general one first, its endpoint's (if any) after."""
    found = _EXACT.get((method, path))
    if found is not None:
        return found
    for prefix, only, windows in _PREFIXES:
        if path.startswith(prefix) and only in (None, method):
            return windows
    return _GENERAL_ONLY


class _Count:
    """One IP's requests in one window: this fixed window's count and the previous one's."""

    __slots__ = ("current", "index", "previous")

    def __init__(self) -> None:
        self.index = 0
        self.current = 0
        self.previous = 0

    def wait(self, window: Window, now: float) -> float:
        """Seconds until one more request fits the sliding estimate (0: it fits now)."""
        span, limit = window.seconds, window.limit
        index = int(now // span)
        if index != self.index:
            self.previous = self.current if index == self.index + 1 else 0
            self.current, self.index = 0, index
        elapsed = now / span - index
        if self.previous * (1 - elapsed) + self.current + 1 <= limit + _TOLERANCE:
            return 0.0
        if self.current < limit:  # the previous window's weight must fall until one more fits
            return (1 - (limit - self.current - 1) / self.previous - elapsed) * span
        # this window is full: into the next one, where this one's count is the previous
        return (2 - elapsed - (limit - 1) / self.current) * span


class _Client:
    """One IP: its counts per window, a line per endpoint for the requests held back, and how many wait."""

    __slots__ = ("counts", "lines", "seen", "waiting")

    def __init__(self) -> None:
        self.counts: dict[str, _Count] = {}
        self.lines: dict[str, asyncio.Lock] = {}
        """Endpoint -> the lock its held-back requests take in turn (asyncio.Lock wakes waiters in order)."""
        self.seen = 0.0
        self.waiting = 0

    def wait(self, windows: tuple[Window, ...], now: float) -> float:
        """Seconds until the request fits every one of `windows`."""
        counts = self.counts
        longest = 0.0
        for window in windows:
            count = counts.get(window.name)
            if count is None:
                count = counts[window.name] = _Count()
            wait = count.wait(window, now)
            if wait > longest:
                longest = wait
        return longest

    def admit(self, windows: tuple[Window, ...]) -> None:
        """Count the request in each of `windows` (just after `wait` found it fits)."""
        counts = self.counts
        for window in windows:
            counts[window.name].current += 1


async def _refused(wait: float) -> float:
    return wait


class Throttle:
    """Every IP's windows. `clock` is monotonic seconds; `sleep` waits that many (injected in tests)."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._max_delay = limits.throttle_max_delay_ms / 1000
        self._max_waiting = limits.throttle_max_waiting_per_ip
        self._clock = clock
        self._sleep = sleep
        self._clients: dict[str, _Client] = {}
        self._swept_at = clock()
        self.refused = 0
        """Requests refused with 429 since start (read by /metrics)."""

    async def refusal(self, scope: Scope) -> Response | None:
        """Hold an HTTP request back until its IP's windows admit it: None then, or the 429 that refuses it."""
        peer = scope.get("client")
        held = self._arrive(peer[0] if peer else "", windows_for(scope["method"], scope["path"]))
        if held is None:  # admitted at once: the common case costs no coroutine
            return None
        retry_after = await held
        if retry_after is None:
            return None
        self.refused += 1
        seconds = max(1, math.ceil(retry_after))
        return JSONResponse({"error": TOO_MANY_REQUESTS}, status_code=429, headers={"Retry-After": str(seconds)})

    async def admit(self, ip: str, method: str, path: str) -> float | None:
        """Wait until the request fits its windows and count it (None), or refuse it: the seconds to wait."""
        held = self._arrive(ip, windows_for(method, path))
        return None if held is None else await held

    def _arrive(self, ip: str, windows: tuple[Window, ...]) -> Awaitable[float | None] | None:
        """Count the request and return None if it fits now; else what decides it (its wait, or its refusal)."""
        now = self._clock()
        if now - self._swept_at >= SWEEP_INTERVAL_S:
            self._sweep(now)
        client = self._clients.get(ip)
        if client is None:
            client = self._clients[ip] = _Client()
        client.seen = now
        line = windows[-1].name
        lock = client.lines.get(line)
        wait = client.wait(windows, now)
        if wait <= 0 and (lock is None or not lock.locked()):
            client.admit(windows)
            return None
        if wait > self._max_delay or client.waiting >= self._max_waiting:
            return _refused(wait)
        if lock is None:
            lock = client.lines[line] = asyncio.Lock()
        return self._wait_in_line(client, lock, windows, now + self._max_delay)

    async def _wait_in_line(
        self, client: _Client, lock: asyncio.Lock, windows: tuple[Window, ...], deadline: float
    ) -> float | None:
        client.waiting += 1
        try:
            async with lock:  # each earlier request of the line leaves by its own deadline, so this one gets
                while True:  # its turn by its deadline too
                    now = self._clock()
                    wait = client.wait(windows, now)
                    if wait <= 0:
                        client.admit(windows)
                        return None
                    if now + wait > deadline:
                        return wait
                    await self._sleep(wait)
        finally:
            client.waiting -= 1

    def _sweep(self, now: float) -> None:
        """Forget the IPs with nothing waiting and no request in the last two longest windows."""
        self._swept_at = now
        idle_since = now - 2 * LONGEST_WINDOW_S
        self._clients = {ip: c for ip, c in self._clients.items() if c.waiting or c.seen > idle_since}
