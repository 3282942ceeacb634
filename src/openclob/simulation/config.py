"""The body of POST /admin/simulations, checked whole before anything is created.

Every bad field gets a 400 naming it (`SimulationError`); the numbers are bounded so that one simulation
cannot flood the exchange by accident.
"""

from __future__ import annotations

import math
from typing import Annotated

import msgspec

from openclob.simulation.model import FairValueParams

MAX_SEED = 2**63 - 1
MAX_TRADERS = 50


class SimulationError(Exception):
    """A simulation request the server refuses (400), with a message naming the field."""


class SimulationSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """POST /admin/simulations: a population of simulated traders on one market."""

    condition_id: str
    seed: Annotated[int, msgspec.Meta(ge=0, le=MAX_SEED)] | None = None
    """The seed of every random draw; None: the server draws one (and reports it)."""
    fair_value: FairValueParams = FairValueParams()
    makers: Annotated[int, msgspec.Meta(ge=0, le=MAX_TRADERS)] = 2
    takers: Annotated[int, msgspec.Meta(ge=0, le=MAX_TRADERS)] = 3
    informed: Annotated[int, msgspec.Meta(ge=0, le=MAX_TRADERS)] = 1
    levels: Annotated[int, msgspec.Meta(ge=1, le=20)] = 3
    """Price levels each maker quotes on each side."""
    taker_rate: float = 0.5
    """Orders per second (exchange time) each taker sends, on average."""
    informed_threshold: float = 0.03
    """How far (in probability) the book must stray from the fair value before an informed trader trades."""


def check(spec: SimulationSpec) -> None:
    """Refuse what the types cannot say: raise `SimulationError` naming the first bad field."""
    fair = spec.fair_value
    _within("fair_value.start", fair.start, 0.01, 0.99)
    _within("fair_value.volatility", fair.volatility, 0.0, 10.0)
    _within("fair_value.jump_rate", fair.jump_rate, 0.0, 3600.0)
    _within("fair_value.jump_size", fair.jump_size, 0.0, 10.0)
    _within("taker_rate", spec.taker_rate, 0.0, 100.0)
    _within("informed_threshold", spec.informed_threshold, 0.0, 0.5)
    if spec.makers + spec.takers + spec.informed == 0:
        raise SimulationError("invalid simulation: makers, takers and informed are all 0")


def _within(name: str, value: float, low: float, high: float) -> None:
    if not (math.isfinite(value) and low <= value <= high):
        raise SimulationError(f"invalid {name}: {value!r} (from {low:g} to {high:g})")
