"""simulation/model.py: the fair value's seeded walk in log-odds."""

from __future__ import annotations

import random

from openclob.simulation import model
from openclob.simulation.model import MAX_LOG_ODDS, FairValueParams


def _path(seed: int, params: FairValueParams, steps: int) -> list[float]:
    rng, x, path = random.Random(seed), model.logit(params.start), []
    for _ in range(steps):
        x = model.walk(x, params, rng, 0.25)
        path.append(x)
    return path


def test_the_same_seed_gives_the_same_path_and_another_seed_another() -> None:
    params = FairValueParams()
    assert _path(1, params, 500) == _path(1, params, 500)
    assert _path(1, params, 500) != _path(2, params, 500)


def test_without_volatility_or_jumps_it_stands_still() -> None:
    params = FairValueParams(start=0.3, volatility=0.0, jump_rate=0.0)
    assert set(_path(5, params, 200)) == {model.logit(0.3)}


def test_it_moves_about_as_much_as_its_volatility_says() -> None:
    params = FairValueParams(volatility=0.2, jump_rate=0.0)
    rng = random.Random(3)
    moves = [model.walk(0.0, params, rng, 60.0) for _ in range(4000)]  # one-minute steps from even
    spread = (sum(m * m for m in moves) / len(moves)) ** 0.5
    assert 0.18 < spread < 0.22


def test_jumps_come_at_their_rate() -> None:
    params = FairValueParams(volatility=0.0, jump_rate=3600.0, jump_size=1.0)  # one a second
    rng = random.Random(4)
    jumped = sum(model.walk(0.0, params, rng, 0.25) != 0.0 for _ in range(4000))
    assert 900 < jumped < 1100  # a quarter of the quarter-second steps


def test_it_stays_within_the_bounds() -> None:
    params = FairValueParams(volatility=10.0, jump_rate=3600.0, jump_size=10.0)
    path = _path(9, params, 2000)
    assert all(-MAX_LOG_ODDS <= x <= MAX_LOG_ODDS for x in path)
    assert model.expit(-MAX_LOG_ODDS) > 0.009 and model.expit(MAX_LOG_ODDS) < 0.991


def test_many_steps_at_once_are_one_draw_with_their_whole_variance() -> None:
    params = FairValueParams(volatility=0.1, jump_rate=0.0)
    rng = random.Random(6)
    moves = [model.walk(0.0, params, rng, 0.25, steps=240) for _ in range(4000)]  # a minute at once
    spread = (sum(m * m for m in moves) / len(moves)) ** 0.5
    assert 0.09 < spread < 0.11
    assert model.walk(1.5, params, rng, 0.25, steps=0) == 1.5


def test_a_resolved_market_is_worth_one_or_nothing() -> None:
    assert model.resolved_value(0) == 1.0
    assert model.resolved_value(1) == 0.0
    assert model.to_units(0.55) == 550_000
