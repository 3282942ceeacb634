"""The exchange clock: the time the sequencer stamps on every command, which the operator may move or freeze.

It runs at the host's wall time plus an offset, or stands frozen at one instant, and never goes backwards (nor
past `MAX_CLOCK_MS`, the end of the year 9999).
Moving it forward (`set`) only changes what it reads; the service applies what falls due on the way
(service.py, `move_clock`) and stores the new state with the batch that moved it, so that it survives a
restart: a running clock keeps its offset (wall time passes while the server is down, and so does the
exchange's), a frozen one its instant.

Only the exchange's own times follow it (commands, order and trade times, expiries, heartbeats, settlement,
notification retention, price history, GET /time). What must track the real world does not: the freshness
of L1/L2 timestamps is checked against `wall_ms`, and rate limits refill on a monotonic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from openclob.core.bounds import MAX_CLOCK_MS
from openclob.store.records import ClockRecord


def wall_clock_ms() -> int:
    """The real time in unix milliseconds."""
    return time.time_ns() // 1_000_000


class ExchangeClock:
    """Wall time plus `offset_ms`, or `frozen_at_ms`; never below `last_ms`, the latest time it read."""

    def __init__(self, wall: Callable[[], int] = wall_clock_ms) -> None:
        self._wall = wall
        self.offset_ms = 0
        self.frozen_at_ms: int | None = None
        self.last_ms = 0

    @property
    def frozen(self) -> bool:
        """Whether it stands still."""
        return self.frozen_at_ms is not None

    def wall_ms(self) -> int:
        """The host's wall time, whatever the exchange clock reads."""
        return self._wall()

    def now_ms(self) -> int:
        """The exchange's time now."""
        frozen = self.frozen_at_ms
        if frozen is not None:
            return frozen
        now = self._wall() + self.offset_ms
        if now <= self.last_ms:  # (the host's clock stepped back, or it reads the same millisecond)
            return self.last_ms
        if now > MAX_CLOCK_MS:  # moved close to the end of time, it stops there
            now = MAX_CLOCK_MS
        self.last_ms = now
        return now

    def set(self, now_ms: int, *, frozen: bool) -> None:
        """Read `now_ms` from now on, frozen there or running from there (never earlier than it ever read)."""
        now_ms = max(now_ms, self.last_ms)
        if frozen:
            self.frozen_at_ms = now_ms
        else:
            self.frozen_at_ms = None
            self.offset_ms = now_ms - self._wall()
        self.last_ms = now_ms

    def observe(self, at_ms: int) -> None:
        """A time the exchange already used (at recovery): the clock never reads earlier."""
        if at_ms > self.last_ms:
            self.last_ms = at_ms
        if self.frozen_at_ms is not None and self.frozen_at_ms < at_ms:
            self.frozen_at_ms = at_ms

    def record(self) -> ClockRecord:
        """What the store keeps of it."""
        return ClockRecord(offset_ms=self.offset_ms, frozen_at_ms=self.frozen_at_ms)

    def restore(self, record: ClockRecord | None) -> None:
        """Take up the stored state (None: never stored, running at wall time) and what it reads now."""
        if record is None:
            self.offset_ms, self.frozen_at_ms = 0, None
            return
        self.offset_ms = record.offset_ms
        self.frozen_at_ms = None if record.frozen_at_ms is None else max(record.frozen_at_ms, self.last_ms)
        # what a stored clock reads now may have been read before the restart: never read less again
        reading = self.frozen_at_ms if self.frozen_at_ms is not None else self._wall() + self.offset_ms
        self.last_ms = max(self.last_ms, reading)
