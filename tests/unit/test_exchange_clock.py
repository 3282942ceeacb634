"""The exchange clock: wall time plus an offset, or frozen; never backwards."""

from __future__ import annotations

from dataclasses import dataclass

from openclob.exchange_clock import ExchangeClock
from openclob.store.records import ClockRecord

WALL_MS = 1_700_000_000_000
DAY_MS = 86_400_000


@dataclass
class Wall:
    now_ms: int = WALL_MS

    def __call__(self) -> int:
        return self.now_ms


def test_a_new_clock_reads_wall_time_and_follows_it() -> None:
    wall = Wall()
    clock = ExchangeClock(wall)
    assert (clock.now_ms(), clock.frozen) == (WALL_MS, False)
    wall.now_ms += 5
    assert clock.now_ms() == clock.wall_ms() == WALL_MS + 5


def test_a_frozen_clock_does_not_move_while_wall_time_does() -> None:
    wall = Wall()
    clock = ExchangeClock(wall)
    clock.set(WALL_MS, frozen=True)
    wall.now_ms += DAY_MS
    assert clock.now_ms() == WALL_MS and clock.wall_ms() == WALL_MS + DAY_MS


def test_unfrozen_it_runs_on_from_where_it_stood() -> None:
    wall = Wall()
    clock = ExchangeClock(wall)
    clock.set(WALL_MS, frozen=True)
    wall.now_ms += DAY_MS
    clock.set(clock.now_ms(), frozen=False)
    assert clock.now_ms() == WALL_MS
    wall.now_ms += 7
    assert clock.now_ms() == WALL_MS + 7


def test_moved_forward_it_keeps_running_ahead_of_wall_time() -> None:
    wall = Wall()
    clock = ExchangeClock(wall)
    clock.set(WALL_MS + DAY_MS, frozen=False)
    wall.now_ms += 1
    assert clock.now_ms() == WALL_MS + DAY_MS + 1
    assert clock.record() == ClockRecord(offset_ms=DAY_MS)


def test_it_never_reads_earlier_than_it_did_not_even_when_set_back_or_the_host_steps_back() -> None:
    wall = Wall()
    clock = ExchangeClock(wall)
    clock.now_ms()
    clock.set(WALL_MS - DAY_MS, frozen=True)
    assert clock.now_ms() == WALL_MS
    clock.set(WALL_MS, frozen=False)
    wall.now_ms -= 1_000
    assert clock.now_ms() == WALL_MS


def test_restored_it_takes_up_the_stored_state_but_not_a_time_the_exchange_is_past() -> None:
    clock = ExchangeClock(Wall())
    clock.observe(WALL_MS + 10)
    clock.restore(ClockRecord(offset_ms=0, frozen_at_ms=WALL_MS))
    assert (clock.now_ms(), clock.frozen) == (WALL_MS + 10, True)
    clock.restore(ClockRecord(offset_ms=DAY_MS))
    assert (clock.now_ms(), clock.frozen) == (WALL_MS + DAY_MS, False)
    clock.restore(None)
    assert clock.now_ms() == WALL_MS + DAY_MS  # (it already read that: time does not go back)
