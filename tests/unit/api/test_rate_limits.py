"""api/rate_limits.py: per-signer order and cancel token buckets, their headers, and their 429s, on a fake clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from openclob.api.app import OpenClobApp
from openclob.api.rate_limits import TIER_BY_NAME, TIERS, TokenBucket, TradingLimits
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.core import UNIT, Deposit, Side
from openclob.crypto import build_hmac_signature
from openclob.service import Service
from openclob.store.records import ApiKeyRecord
from tests.unit.api.conftest import YES, Clock, Env, FakeStore, User
from tests.unit.api.test_responses import Wallet, signed_order

pytestmark = pytest.mark.anyio

STANDARD, PLATINUM = TIER_BY_NAME["standard"], TIER_BY_NAME["platinum"]
KEY_A, KEY_B = "0x" + "31" * 32, "0x" + "32" * 32


SECOND = 1_000_000_000


@dataclass
class Monotonic:
    """A settable monotonic clock in nanoseconds."""

    now: int = 1_000 * SECOND

    def __call__(self) -> int:
        return self.now


# ---------------------------------------------------------------------- the bucket


def test_a_bucket_starts_full_and_refuses_a_cost_it_does_not_hold_without_taking_anything() -> None:
    bucket = TokenBucket(rate=40, burst=60, now=0)
    assert bucket.take(60, 0)
    assert not bucket.take(1, 0)
    assert bucket.tokens(0) == 0


def test_a_bucket_refills_continuously_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=40, burst=60, now=0)
    bucket.take(60, 0)
    assert bucket.tokens(SECOND // 2) == 20
    assert bucket.tokens(SECOND // 2 + SECOND // 80) == 20  # half a token more: still 20 whole ones
    assert not bucket.take(21, SECOND // 2)
    assert bucket.take(20, SECOND // 2)
    assert bucket.tokens(100 * SECOND) == 60


def test_a_bucket_wait_is_the_time_until_it_holds_the_cost_and_none_over_the_burst() -> None:
    bucket = TokenBucket(rate=40, burst=60, now=0)
    assert bucket.wait(60, 0) == 0
    bucket.take(60, 0)
    assert bucket.wait(10, 0) == SECOND // 4
    assert bucket.take(10, SECOND // 4)
    assert bucket.wait(61, 0) is None


def test_spending_after_the_fact_goes_into_debt_only_where_the_tier_allows_it() -> None:
    indebted, floored = TokenBucket(rate=80, burst=120, now=0), TokenBucket(rate=80, burst=120, now=0)
    indebted.spend(200, 0, negative=True)
    floored.spend(200, 0, negative=False)
    assert (indebted.tokens(0), floored.tokens(0)) == (-80, 0)
    assert indebted.tokens(SECOND) == 0  # a debt is repaid by the refill before anything is spent again


def test_the_tiers_are_polymarkets_lowest_first_and_the_top_three_never_go_into_debt() -> None:
    assert [t.name for t in TIERS] == ["standard", "copper", "bronze", "silver", "gold", "platinum", "diamond", "elite"]
    assert [(t.order_rate, t.order_burst, t.cancel_rate, t.cancel_burst) for t in (TIERS[0], TIERS[-1])] == [
        (40, 60, 80, 120),
        (600, 900, 1_200, 1_800),
    ]
    assert [t.name for t in TIERS if not t.negative_balance] == ["platinum", "diamond", "elite"]


# ---------------------------------------------------------------------- the limiter


def test_a_signer_whose_tier_changes_starts_again_with_full_buckets_of_the_new_tier() -> None:
    tiers = {"0xa": STANDARD}
    clock = Monotonic()
    limits = TradingLimits(tiers.__getitem__, lambda: 0, clock)
    evaluation = limits.evaluation("0xa", cancel=False)
    evaluation.charge(60)
    assert limits.evaluation("0xa", cancel=False).bucket.tokens(clock.now) == 0
    tiers["0xa"] = TIER_BY_NAME["elite"]
    fresh = limits.evaluation("0xa", cancel=False)
    assert (fresh.tier.name, fresh.bucket.tokens(clock.now)) == ("elite", 900)


def test_the_order_and_cancel_buckets_and_other_signers_are_independent() -> None:
    limits = TradingLimits(lambda _: STANDARD, lambda: 0, Monotonic())
    limits.evaluation("0xa", cancel=False).charge(60)
    assert limits.evaluation("0xa", cancel=True).bucket.tokens(0) == 120
    assert limits.evaluation("0xb", cancel=False).bucket.tokens(0) == 60


# ---------------------------------------------------------------------- over HTTP


@dataclass
class Limited:
    """A running service behind an app with rate limits on, both clocks settable."""

    env: Env
    app: OpenClobApp
    monotonic: Monotonic
    a: Wallet
    b: Wallet

    async def send(self, method: str, path: str, wallet: Wallet | None, body: Any = None) -> httpx.Response:
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if wallet is not None:
            timestamp = str(self.env.clock.now_ms // 1000)
            headers |= {
                "POLY_ADDRESS": wallet.address,
                "POLY_API_KEY": wallet.creds["apiKey"],
                "POLY_PASSPHRASE": wallet.creds["passphrase"],
                "POLY_TIMESTAMP": timestamp,
                "POLY_SIGNATURE": build_hmac_signature(wallet.creds["secret"], timestamp, method, path, content),
            }
        return await self.env.client.request(method, path, content=content, headers=headers)

    def open_orders(self, wallet: Wallet) -> int:
        return len(self.env.service.exchange.open_orders(wallet.creds["apiKey"]))

    async def rest_orders(self, wallet: Wallet, count: int) -> None:
        """`count` resting bids of `wallet`, placed behind the API (no tokens spent)."""
        user = User(wallet.creds["apiKey"], wallet.address)
        for _ in range(count):
            await self.env.place(user, YES, Side.BUY, "0.10", "5")


def _wallet(private_key: str, name: str) -> Wallet:
    wallet = Wallet(private_key)
    wallet.creds = {"apiKey": f"{name}-key", "secret": "c2VjcmV0LXNlY3JldC1zZWNyZXQ=", "passphrase": "pass"}
    return wallet


@asynccontextmanager
async def started(rate_limits: str) -> AsyncIterator[Limited]:
    """A market and two funded wallets with API keys, behind an app with `rate_limits`."""
    store, clock, monotonic = FakeStore(), Clock(), Monotonic()
    service = Service(store, Settings(rate_limits=rate_limits), clock=clock)
    app = build_app(service, master_secret=b"x" * 32, admin_token="admin-token")
    assert isinstance(app, OpenClobApp)
    if app.trading_limits is not None:
        app.trading_limits.clock = monotonic
    app.throttle = None  # the per-IP limits are tested in test_throttle.py
    await service.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            env = Env(service, store, clock, client)
            await env.list_market()
            a, b = _wallet(KEY_A, "a"), _wallet(KEY_B, "b")
            for wallet in (a, b):
                record = ApiKeyRecord(
                    api_key=wallet.creds["apiKey"],
                    address=wallet.address,
                    nonce=0,
                    secret=wallet.creds["secret"],
                    passphrase=wallet.creds["passphrase"],
                    readonly=False,
                    created_at_ms=0,
                )
                service.edge.add_key(record)
                await service.submit(Deposit(now_ms=0, address=wallet.address, amount=10_000 * UNIT))
            yield Limited(env, app, monotonic, a, b)
    finally:
        await service.stop()


@pytest.fixture
async def limited() -> AsyncIterator[Limited]:
    async with started("polymarket") as running:
        yield running


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("poly-ratelimit") or k == "retry-after"}


def _junk(count: int) -> list[dict[str, Any]]:
    """A POST /orders body of `count` entries that each fail on their own: the batch still costs `count`."""
    return [{} for _ in range(count)]


async def test_an_order_answer_carries_the_remaining_tokens_the_reset_time_and_the_tier(limited: Limited) -> None:
    response = await limited.send("POST", "/order", limited.a, signed_order(limited.a, YES, "BUY", "0.5", "10"))
    assert response.status_code == 200 and response.json()["success"] is True
    now_seconds = limited.env.clock.now_ms // 1000
    assert _headers(response) == {
        "poly-ratelimit-remaining": "59",
        "poly-ratelimit-tier": "standard",
        "poly-ratelimit-reset": str(now_seconds),  # the bucket holds this request's cost again now
    }


async def test_an_order_over_the_burst_gets_429_with_retry_after_and_is_not_placed(limited: Limited) -> None:
    for _ in range(4):  # 4 x 15 = the Standard burst of 60
        assert (await limited.send("POST", "/orders", limited.a, _junk(15))).status_code == 200
    order = signed_order(limited.a, YES, "BUY", "0.5", "10")
    refused = await limited.send("POST", "/order", limited.a, order)
    assert (refused.status_code, refused.json()) == (429, {"error": "Too Many Requests"})
    assert limited.app.trading_limits is not None and limited.app.trading_limits.refused == 1  # (GET /metrics)
    now_seconds = limited.env.clock.now_ms // 1000
    assert _headers(refused) == {
        "poly-ratelimit-remaining": "0",
        "poly-ratelimit-tier": "standard",
        "poly-ratelimit-reset": str(now_seconds + 1),  # 1/40 s, rounded up
        "retry-after": "1",
    }
    assert limited.open_orders(limited.a) == 0  # nothing was submitted

    limited.monotonic.now += SECOND // 40  # one token back
    placed = await limited.send("POST", "/order", limited.a, order)
    assert (placed.status_code, placed.headers["poly-ratelimit-remaining"]) == (200, "0")
    assert limited.open_orders(limited.a) == 1


async def test_a_batch_is_refused_whole_when_the_bucket_holds_less_than_all_of_it(limited: Limited) -> None:
    for _ in range(3):
        await limited.send("POST", "/orders", limited.a, _junk(15))
    await limited.send("POST", "/orders", limited.a, _junk(10))  # 5 tokens left
    refused = await limited.send("POST", "/orders", limited.a, [signed_order(limited.a, YES, "BUY", "0.5", "10")] * 6)
    assert refused.status_code == 429
    assert (refused.headers["poly-ratelimit-remaining"], refused.headers["retry-after"]) == ("5", "1")
    assert limited.open_orders(limited.a) == 0


async def test_another_signer_keeps_its_own_buckets(limited: Limited) -> None:
    for _ in range(4):
        await limited.send("POST", "/orders", limited.a, _junk(15))
    assert (await limited.send("POST", "/orders", limited.a, _junk(1))).status_code == 429
    other = await limited.send("POST", "/orders", limited.b, _junk(1))
    assert (other.status_code, other.headers["poly-ratelimit-remaining"]) == (200, "59")
    cancel = await limited.send("DELETE", "/order", limited.a, {"orderID": "0x" + "ab" * 32})
    assert (cancel.status_code, cancel.headers["poly-ratelimit-remaining"]) == (200, "119")  # A's cancel bucket


async def test_a_tier_set_by_the_operator_takes_effect_at_once(limited: Limited) -> None:
    for _ in range(4):
        await limited.send("POST", "/orders", limited.a, _junk(15))
    assert (await limited.send("POST", "/orders", limited.a, _junk(1))).status_code == 429
    put = await limited.env.client.put(
        f"/admin/rate-limit-tiers/{limited.a.address}",
        json={"tier": "gold"},
        headers={"Authorization": "Bearer admin-token"},
    )
    assert put.status_code == 200
    accepted = await limited.send("POST", "/orders", limited.a, _junk(15))
    assert accepted.status_code == 200
    assert _headers(accepted) | {"poly-ratelimit-reset": ""} == {
        "poly-ratelimit-remaining": str(600 - 15),
        "poly-ratelimit-tier": "gold",
        "poly-ratelimit-reset": "",
    }


async def test_cancel_all_costs_one_before_and_one_per_order_cancelled_after_into_debt(limited: Limited) -> None:
    await limited.rest_orders(limited.a, 130)
    response = await limited.send("DELETE", "/cancel-all", limited.a)
    assert response.status_code == 200 and len(response.json()["canceled"]) == 130
    assert response.headers["poly-ratelimit-remaining"] == str(120 - 1 - 130)
    assert "retry-after" not in response.headers

    refused = await limited.send("DELETE", "/order", limited.a, {"orderID": "0x" + "ab" * 32})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"  # 12 tokens at 80 a second: 0.15 s, rounded up
    limited.monotonic.now += 12 * SECOND // 80
    assert (await limited.send("DELETE", "/order", limited.a, {"orderID": "0x" + "ab" * 32})).status_code == 200


async def test_a_market_cancel_on_a_tier_without_debt_stops_the_bucket_at_zero(limited: Limited) -> None:
    limited.env.service.edge.rate_limit_tiers[limited.a.address] = "platinum"
    spent = await limited.send("DELETE", "/orders", limited.a, ["0x" + "ab" * 32] * 1_300)
    assert spent.headers["poly-ratelimit-remaining"] == "50"
    await limited.rest_orders(limited.a, 60)
    body = {"market": "", "asset_id": YES}
    response = await limited.send("DELETE", "/cancel-market-orders", limited.a, body)
    assert response.status_code == 200 and len(response.json()["canceled"]) == 60
    assert (response.headers["poly-ratelimit-remaining"], response.headers["poly-ratelimit-tier"]) == ("0", "platinum")


async def test_cancel_all_is_refused_before_it_cancels_anything_when_the_bucket_is_empty(limited: Limited) -> None:
    await limited.send("DELETE", "/orders", limited.a, ["0x" + "ab" * 32] * 120)
    await limited.rest_orders(limited.a, 3)
    refused = await limited.send("DELETE", "/cancel-all", limited.a)
    assert refused.status_code == 429
    assert limited.open_orders(limited.a) == 3


async def test_a_cost_over_the_burst_is_refused_without_retry_after_or_reset(limited: Limited) -> None:
    refused = await limited.send("DELETE", "/orders", limited.a, ["0x" + "ab" * 32] * 121)
    assert (refused.status_code, refused.json()) == (429, {"error": "Too Many Requests"})
    assert _headers(refused) == {"poly-ratelimit-remaining": "120", "poly-ratelimit-tier": "standard"}


async def test_errors_after_authentication_carry_the_headers_and_cost_nothing(limited: Limited) -> None:
    invalid = await limited.send("POST", "/order", limited.a, {"order": 1})
    assert invalid.status_code == 400
    assert (invalid.headers["poly-ratelimit-remaining"], invalid.headers["poly-ratelimit-tier"]) == ("60", "standard")
    unauthenticated = await limited.send("POST", "/order", None, {"order": 1})
    assert unauthenticated.status_code == 401 and _headers(unauthenticated) == {}


def test_an_unknown_rate_limits_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_limits must be off or polymarket"):
        build_app(Service(FakeStore(), Settings(rate_limits="cloudflare")), master_secret=b"x" * 32, admin_token="t")


async def test_with_rate_limits_off_nothing_is_counted_and_no_header_is_added() -> None:
    async with started("off") as running:
        assert running.app.trading_limits is None
        for _ in range(5):
            response = await running.send("POST", "/orders", running.a, _junk(15))
            assert response.status_code == 200 and _headers(response) == {}
