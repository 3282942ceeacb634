"""Per-signer trading rate limits as Polymarket's: an order bucket and a cancel bucket for each signer address.

On with `openclob serve --rate-limits polymarket`. The signer is the address of the caller's API key. Each of its
two token buckets refills continuously at its tier's rate up to the tier's burst (the bucket's capacity), and a
trading request spends its cost from one of them: POST /order 1, POST /orders one per order, DELETE /order 1,
DELETE /orders one per id, DELETE /cancel-all and /cancel-market-orders 1 before (refused if it is not there) and
one per order cancelled after. That second deduction may put the cancel bucket into debt on the tiers that allow
a negative balance; the others stop at zero. A request whose cost is not in the bucket gets 429
`{"error": "Too Many Requests"}` before anything is submitted (a batch is all or nothing), with `Retry-After`
(whole seconds, rounded up) when waiting helps, and without when its cost is over the burst (it can never pass:
split it). Every answer of an authenticated trading request, errors included, carries `Poly-RateLimit-Remaining`
(the whole tokens left right after the request's charge, negative in debt), `Poly-RateLimit-Reset` and
`Poly-RateLimit-Tier`. The operator sets an address's tier (api/rate_limit_tiers.py); a signer without one is
Standard.

From Polymarket's documentation (api-reference/trading-rate-limits, account/get-rate-limit-tier): the tiers and
their rates, bursts and negative-balance rule, the costs, continuous refill, all-or-nothing batches, the cancel
debt, the header names, Retry-After only for a cost within the burst, Reset being when enough tokens are expected
back (for an accepted request possibly the current time), and the tier in lower case ("gold").
Inferred, the documentation being silent: Reset is unix seconds, rounded up, when the bucket will hold this
request's cost again (at least one token); the tier header is lower case too; a signer whose tier changes starts
again with full buckets of the new tier (the change takes effect at once). Not offered: warning mode
(`Poly-RateLimit-Warning`), which only ran during Polymarket's switch-over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from openclob.api.errors import TOO_MANY_REQUESTS, ApiError
from openclob.core import Canceled
from openclob.service import Receipt
from openclob.store.records import ApiKeyRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Tier:
    """A trading rate-limit tier: refill rates (tokens a second) and bursts of the order and cancel buckets."""

    name: str
    volume_usdc: int
    """The 30-day volume from which Polymarket assigns this tier."""
    order_rate: int
    order_burst: int
    cancel_rate: int
    cancel_burst: int
    negative_balance: bool
    """Whether the cancel bucket may go into debt after a cancel-all or a market cancel."""


def _tier(name: str, volume: int, order: tuple[int, int], cancel: tuple[int, int], negative: bool) -> Tier:
    return Tier(
        name=name,
        volume_usdc=volume,
        order_rate=order[0],
        order_burst=order[1],
        cancel_rate=cancel[0],
        cancel_burst=cancel[1],
        negative_balance=negative,
    )


TIERS: tuple[Tier, ...] = (
    _tier("standard", 0, (40, 60), (80, 120), True),
    _tier("copper", 30_000, (60, 90), (120, 180), True),
    _tier("bronze", 50_000, (80, 120), (160, 240), True),
    _tier("silver", 100_000, (200, 300), (400, 600), True),
    _tier("gold", 500_000, (400, 600), (800, 1_200), True),
    _tier("platinum", 2_500_000, (450, 675), (900, 1_350), False),
    _tier("diamond", 5_000_000, (525, 787), (1_050, 1_575), False),
    _tier("elite", 10_000_000, (600, 900), (1_200, 1_800), False),
)
"""Polymarket's tiers, lowest first."""
TIER_BY_NAME = {tier.name: tier for tier in TIERS}
DEFAULT_TIER = TIERS[0]
VOLUME_PERIOD_DAYS = 30
"""The window of the volume that sets a tier (GET /v1/user/rate-limit-tier gives it as `period`)."""

SCOPE_KEY = "openclob.rate_limit"
"""Where a trading request keeps its evaluation (`Evaluation`) until its answer is written."""


def tier_named(name: str | None) -> Tier:
    """The tier called `name`; Standard for None (no tier set)."""
    return DEFAULT_TIER if name is None else TIER_BY_NAME[name]


NANOS_PER_TOKEN = 1_000_000_000
"""A bucket counts in billionths of a token, so that a nanosecond refills exactly `rate` of them: integers, no
rounding (a client that waits its Retry-After finds the tokens there)."""


class TokenBucket:
    """Tokens refilled continuously at `rate` a second up to `burst`; a balance below zero is a debt.

    Times are nanoseconds of a monotonic clock.
    """

    __slots__ = ("_at", "_nanos", "burst", "rate")

    def __init__(self, rate: int, burst: int, now: int) -> None:
        self.rate = rate
        self.burst = burst
        self._nanos = burst * NANOS_PER_TOKEN
        self._at = now

    def _refill(self, now: int) -> int:
        if now > self._at:
            self._nanos = min(self.burst * NANOS_PER_TOKEN, self._nanos + (now - self._at) * self.rate)
            self._at = now
        return self._nanos

    def tokens(self, now: int) -> int:
        """The whole tokens held at `now`, rounded down (negative in debt)."""
        return self._refill(now) // NANOS_PER_TOKEN

    def take(self, cost: int, now: int) -> bool:
        """Spend `cost` if the bucket holds it; if not, spend nothing and return False."""
        if self._refill(now) < cost * NANOS_PER_TOKEN:
            return False
        self._nanos -= cost * NANOS_PER_TOKEN
        return True

    def spend(self, cost: int, now: int, *, negative: bool) -> None:
        """Spend `cost` after the fact: into debt if `negative`, else down to zero at most."""
        balance = self._refill(now) - cost * NANOS_PER_TOKEN
        self._nanos = balance if negative else max(0, balance)

    def wait(self, cost: int, now: int) -> int | None:
        """Nanoseconds until the bucket holds `cost` (0: it does now); None if `cost` is over the burst."""
        if cost > self.burst:
            return None
        missing = cost * NANOS_PER_TOKEN - self._refill(now)
        return max(0, -(-missing // self.rate))


class _Signer:
    """A signer's two buckets, of the tier they were made for."""

    __slots__ = ("cancels", "orders", "tier")

    def __init__(self, tier: Tier, now: int) -> None:
        self.tier = tier
        self.orders = TokenBucket(tier.order_rate, tier.order_burst, now)
        self.cancels = TokenBucket(tier.cancel_rate, tier.cancel_burst, now)


class TradingLimits:
    """Every signer's buckets. `tier_of` says an address's tier now; `clock` is monotonic nanoseconds, `wall_ms`
    unix milliseconds (for `Poly-RateLimit-Reset`)."""

    def __init__(
        self,
        tier_of: Callable[[str], Tier],
        wall_ms: Callable[[], int],
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self._tier_of = tier_of
        self._wall_ms = wall_ms
        self.clock = clock
        self._signers: dict[str, _Signer] = {}
        """One entry per address that has sent an authenticated trading request: no more than the API keys."""
        self.refused = 0
        """Trading requests refused with 429 since start (read by /metrics)."""

    def evaluation(self, address: str, *, cancel: bool) -> Evaluation:
        """The evaluation of one trading request of `address` against its order or cancel bucket."""
        now = self.clock()
        tier = self._tier_of(address)
        signer = self._signers.get(address)
        if signer is None or signer.tier is not tier:  # new, or its tier changed: full buckets of the tier
            signer = self._signers[address] = _Signer(tier, now)
        return Evaluation(self, tier, signer.cancels if cancel else signer.orders)

    def wall_seconds(self, after_ns: int) -> int:
        """The unix time `after_ns` nanoseconds from now, in whole seconds rounded up."""
        return -(-(self._wall_ms() * 1_000_000 + after_ns) // 1_000_000_000)


class Evaluation:
    """One request's use of one bucket: its charge, and the bucket's state right after it (for the headers)."""

    __slots__ = ("bucket", "cost", "limits", "per_cancel", "refused", "remaining", "tier", "wait")

    def __init__(self, limits: TradingLimits, tier: Tier, bucket: TokenBucket) -> None:
        self.limits = limits
        self.tier = tier
        self.bucket = bucket
        self.cost = 0
        self.per_cancel = False
        self.refused = False
        self.remaining: int | None = None
        """None until accounted: an answer before any charge shows the bucket as it is then."""
        self.wait: int | None = None

    def _account(self, now: int) -> None:
        """Note the balance after accounting, and how long until the bucket holds this request's cost again."""
        self.remaining = self.bucket.tokens(now)
        self.wait = self.bucket.wait(max(self.cost, 1), now)

    def charge(self, cost: int, *, per_cancel: bool = False) -> None:
        """Take `cost` tokens, or raise 429 with nothing taken."""
        self.cost, self.per_cancel = cost, per_cancel
        now = self.limits.clock()
        self.refused = bool(cost) and not self.bucket.take(cost, now)
        self._account(now)
        if self.refused:
            self.limits.refused += 1
            raise ApiError(429, TOO_MANY_REQUESTS)

    def settle(self, canceled: int) -> None:
        """After a cancel-all or a market cancel: one more token per order cancelled."""
        if self.per_cancel and canceled:
            now = self.limits.clock()
            self.bucket.spend(canceled, now, negative=self.tier.negative_balance)
            self._account(now)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The rate-limit headers of the answer."""
        if self.remaining is None:
            self._account(self.limits.clock())
        headers = [
            (b"poly-ratelimit-remaining", str(self.remaining).encode()),
            (b"poly-ratelimit-tier", self.tier.name.encode()),
        ]
        wait = self.wait
        if wait is not None:
            headers.append((b"poly-ratelimit-reset", str(self.limits.wall_seconds(wait)).encode()))
            if self.refused:  # whole seconds, rounded up: at least 1
                headers.append((b"retry-after", str(max(1, -(-wait // 1_000_000_000))).encode()))
        return headers


def authenticated(request: Request, key: ApiKeyRecord) -> None:
    """Start evaluating a trading request of `key`'s signer (no-op with rate limits off): POST spends from the
    order bucket, DELETE from the cancel bucket."""
    limits: TradingLimits | None = request.app.trading_limits
    if limits is not None:
        request.scope[SCOPE_KEY] = limits.evaluation(key.address, cancel=request.method == "DELETE")


def charge(request: Request, cost: int, *, per_cancel: bool = False) -> None:
    """Spend `cost` tokens of the request's bucket before anything is submitted, or raise 429 (with rate limits
    on). `per_cancel`: the request also costs one token per order it cancels (see `settle`)."""
    evaluation: Evaluation | None = request.scope.get(SCOPE_KEY)
    if evaluation is not None:
        evaluation.charge(cost, per_cancel=per_cancel)


def settle(request: Request, receipt: Receipt) -> None:
    """After a cancel-all or a market cancel: deduct one token per order it cancelled (with rate limits on)."""
    evaluation: Evaluation | None = request.scope.get(SCOPE_KEY)
    result = receipt.applied.result
    if evaluation is not None and isinstance(result, Canceled):
        evaluation.settle(len(result.canceled))


def add_headers(scope: Scope, response: Response) -> None:
    """Put the rate-limit headers on the answer of a trading request evaluated against a bucket."""
    evaluation: Evaluation | None = scope.get(SCOPE_KEY)
    if evaluation is not None:
        response.raw_headers.extend(evaluation.headers())
