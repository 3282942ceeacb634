"""The hidden fair value of a simulated market: a seeded random walk with jumps, in log-odds.

The walk moves in steps of `dt_s` seconds: a Gaussian move with standard deviation `volatility * sqrt(dt_s /
60)` (volatility is per minute) and, with probability `jump_rate * dt_s / 3600` (jump_rate is per hour), a
Gaussian jump of standard deviation `jump_size`. It stays within `MAX_LOG_ODDS` of even, so the probability
stays within about [0.01, 0.99]. A resolved market's fair value is 1 or 0.

Pure and deterministic: the caller owns the `random.Random` it draws from, so the same seed and the same
steps give the same path.
"""

from __future__ import annotations

import math
import random

import msgspec

MAX_LOG_ODDS = 4.59
"""|log-odds| at most this: a probability between about 0.01 and 0.99."""


class FairValueParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the fair value moves (the `fair_value` object of POST /admin/simulations)."""

    start: float = 0.5
    """The probability it starts at, strictly between 0 and 1."""
    volatility: float = 0.15
    """Standard deviation of its log-odds move over one minute."""
    jump_rate: float = 6.0
    """Expected jumps per hour."""
    jump_size: float = 0.4
    """Standard deviation of one jump, in log-odds."""


def logit(probability: float) -> float:
    """The log-odds of a probability in (0, 1)."""
    return math.log(probability / (1.0 - probability))


def expit(log_odds: float) -> float:
    """The probability of a log-odds."""
    return 1.0 / (1.0 + math.exp(-log_odds))


def clamp_log_odds(log_odds: float) -> float:
    """Keep a log-odds within `MAX_LOG_ODDS` of even."""
    return max(-MAX_LOG_ODDS, min(MAX_LOG_ODDS, log_odds))


def walk(log_odds: float, params: FairValueParams, rng: random.Random, dt_s: float, steps: int = 1) -> float:
    """The log-odds after `steps` steps of `dt_s` seconds each, drawn from `rng`.

    Several steps at once (a long clock advance) are drawn as one: the sum of their Gaussian moves is one
    Gaussian with the variance of all of them, and the jumps are counted with one Poisson draw.
    """
    if steps <= 0:
        return log_odds
    span_s = dt_s * steps
    move = rng.gauss(0.0, params.volatility * math.sqrt(span_s / 60.0)) if params.volatility > 0 else 0.0
    jumps = (
        _poisson(rng, params.jump_rate * span_s / 3600.0)
        if steps > 1
        else int(rng.random() < params.jump_rate * dt_s / 3600.0)
    )
    if jumps and params.jump_size > 0:
        move += rng.gauss(0.0, params.jump_size * math.sqrt(jumps))
    return clamp_log_odds(log_odds + move)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, a rounded Gaussian for large ones)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def to_units(probability: float) -> int:
    """A probability as 1e-6 price units."""
    return round(probability * 1_000_000)


def resolved_value(winning_index: int) -> float:
    """The fair value of the first outcome once the market resolved to outcome `winning_index`."""
    return 1.0 if winning_index == 0 else 0.0
