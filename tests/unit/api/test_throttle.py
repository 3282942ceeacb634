"""api/throttle.py: per-IP sliding windows that delay requests over a limit, bounded, on a fake clock and sleep."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import pytest

from openclob.api.app import OpenClobApp
from openclob.api.throttle import GENERAL, LONGEST_WINDOW_S, Throttle, windows_for
from openclob.assembly import build_app
from openclob.config import Limits, Settings
from openclob.service import Service
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio


@dataclass
class Time:
    """A fake monotonic clock whose sleep moves it forward, recording every sleep."""

    now: float = 1_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _throttle(time: Time, **limits: int) -> Throttle:
    return Throttle(Limits(**limits), clock=time, sleep=time.sleep)


async def _burst(throttle: Throttle, count: int, path: str = "/ok", ip: str = "10.0.0.1") -> list[float | None]:
    return [await throttle.admit(ip, "GET", path) for _ in range(count)]


def test_every_request_counts_toward_the_general_limit_and_its_endpoints() -> None:
    assert [(w.name, w.limit, w.seconds) for w in windows_for("POST", "/order")] == [
        ("general", 9_000, 10.0),
        ("POST /order", 3_500, 10.0),
        ("POST /order sustained", 36_000, 600.0),
    ]
    assert [w.name for w in windows_for("GET", "/notifications")] == ["general", "ledger", "notifications"]
    assert [w.name for w in windows_for("GET", "/data/order/0xab")] == ["general", "ledger"]
    assert [w.name for w in windows_for("DELETE", "/auth/api-key")] == ["general", "api keys"]
    assert [w.name for w in windows_for("GET", "/tick-size/123")] == ["general", "tick-size"]
    assert windows_for("DELETE", "/notifications") == windows_for("GET", "/markets") == (GENERAL,)


async def test_requests_within_the_limit_pass_at_once() -> None:
    time = Time()
    assert await _burst(_throttle(time), 100) == [None] * 100
    assert time.slept == []


async def test_a_request_over_the_limit_waits_until_the_window_admits_it_instead_of_being_refused() -> None:
    time = Time(now=1_005.0)  # halfway through a fixed 10 s window
    throttle = _throttle(time, throttle_max_delay_ms=30_000)
    await _burst(throttle, 100)
    assert await throttle.admit("10.0.0.1", "GET", "/ok") is None
    # this window holds 100: the 101st waits for the next one, where those 100 weigh less and less
    assert time.slept == [pytest.approx(5.0 + 0.1)]


async def test_the_previous_window_weighs_by_how_much_of_it_the_sliding_window_still_covers() -> None:
    time = Time(now=1_000.0)
    throttle = _throttle(time)
    await _burst(throttle, 100)
    time.now = 1_012.5  # a quarter into the next window: 100 x 0.75 = 75 still counted
    assert await _burst(throttle, 25) == [None] * 25
    assert time.slept == []
    assert await throttle.admit("10.0.0.1", "GET", "/ok") is None
    assert time.slept == [pytest.approx(0.1)]  # one more fits once the old window's weight drops by one request


async def test_a_request_that_would_wait_past_the_cap_is_refused_with_its_wait() -> None:
    time = Time(now=1_000.0)
    throttle = _throttle(time, throttle_max_delay_ms=5_000)
    await _burst(throttle, 100)
    assert await throttle.admit("10.0.0.1", "GET", "/ok") == pytest.approx(10.1)
    assert time.slept == []


async def test_waiting_requests_of_one_ip_are_capped_and_the_next_is_refused_at_once() -> None:
    time = Time(now=1_005.0)
    gate = asyncio.Event()

    async def held(seconds: float) -> None:
        await gate.wait()
        time.now += seconds

    throttle = Throttle(Limits(throttle_max_waiting_per_ip=2), clock=time, sleep=held)
    await _burst(throttle, 100)
    waiting = [asyncio.create_task(throttle.admit("10.0.0.1", "GET", "/ok")) for _ in range(2)]
    await asyncio.sleep(0)
    assert await throttle.admit("10.0.0.1", "GET", "/ok") == pytest.approx(5.1)
    assert await throttle.admit("10.0.0.2", "GET", "/ok") is None  # another IP is not held back
    gate.set()
    assert await asyncio.gather(*waiting) == [None, None]


async def test_requests_held_back_are_admitted_in_the_order_they_came() -> None:
    time = Time(now=1_005.0)
    throttle = _throttle(time)
    await _burst(throttle, 100)
    admitted: list[int] = []

    async def request(n: int) -> None:
        assert await throttle.admit("10.0.0.1", "GET", "/ok") is None
        admitted.append(n)

    await asyncio.gather(*(request(n) for n in range(5)))
    assert admitted == [0, 1, 2, 3, 4]


async def test_another_endpoint_of_the_same_ip_is_not_held_behind_a_full_one() -> None:
    time = Time(now=1_005.0)
    throttle = _throttle(time)
    await _burst(throttle, 100)
    assert await throttle.admit("10.0.0.1", "GET", "/book") is None
    assert time.slept == []


async def test_ips_idle_for_two_longest_windows_are_forgotten() -> None:
    time = Time()
    throttle = _throttle(time)
    await throttle.admit("10.0.0.1", "GET", "/ok")
    time.now += 2 * LONGEST_WINDOW_S + 1
    await throttle.admit("10.0.0.2", "GET", "/ok")
    assert list(throttle._clients) == ["10.0.0.2"]


async def test_the_app_delays_or_refuses_every_route_when_rate_limits_are_on() -> None:
    time = Time(now=1_005.0)
    service = Service(FakeStore(), Settings(rate_limits="polymarket"))
    app = build_app(service, master_secret=b"x" * 32, admin_token="admin-token")
    assert isinstance(app, OpenClobApp) and app.throttle is not None
    app.throttle = Throttle(Limits(throttle_max_delay_ms=3_000), clock=time, sleep=time.sleep)
    await service.start()  # (ASGITransport runs no lifespan)
    try:
        await _drive_throttled_app(app, time)
    finally:
        await service.stop()


async def _drive_throttled_app(app: OpenClobApp, time: Time) -> None:
    assert app.throttle is not None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for _ in range(100):
            assert (await client.get("/ok")).status_code == 200
        time.now = 1_012.0  # 80 of the 100 still weigh: 20 more pass, the next waits 0.1 s
        for _ in range(20):
            assert (await client.get("/ok")).status_code == 200
        assert (await client.get("/ok")).status_code == 200
        assert time.slept == [pytest.approx(0.1)]
        assert (await client.post("/order", content=b"{}")).status_code == 401
        assert app.throttle._clients["127.0.0.1"].counts["POST /order"].current == 1  # the hot path counts too
        time.now = 11_000.0  # a fresh window: fill it, then one that would wait past the 3 s cap
        for _ in range(100):
            await client.get("/ok")
        over = await client.get("/ok")
        assert (over.status_code, over.json(), over.headers["retry-after"]) == (
            429,
            {"error": "Too Many Requests"},
            "11",
        )
        assert app.throttle.refused == 1  # (GET /metrics shows it)
