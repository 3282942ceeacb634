"""Time: the commands that carry the clock forward, and the expiries and heartbeats it brings due.

The core reads no clock: every command carries `now_ms`, and before a command is applied every GTD
expiry and heartbeat deadline at or before that time is handled (`Exchange.apply` checks the heads of
the two heaps, and calls `_expire_due` only when one is due). An `AdvanceTime` command does nothing
else. A heartbeat sets its owner's deadline; a later heartbeat moves it, so a deadline popped from
the heap counts only if it is still the owner's latest, and then all the owner's orders are cancelled.
"""

from __future__ import annotations

import heapq

from openclob.core.cancels import Cancels
from openclob.core.commands import AdvanceTime, Heartbeat
from openclob.core.orders import CancelReason
from openclob.core.results import Done, Result


class Clock(Cancels):
    """Time advances, order expiries and heartbeat deadlines."""

    def _advance_time(self, cmd: AdvanceTime) -> Result:
        return Done()  # the expiries due by cmd.now_ms already ran in apply()

    def _heartbeat(self, cmd: Heartbeat) -> Result:
        deadline = cmd.now_ms + cmd.timeout_ms
        self._heartbeat_deadlines[cmd.owner] = deadline
        heapq.heappush(self._heartbeat_queue, (deadline, cmd.owner))
        return Done()

    def _expire_due(self, now_ms: int) -> None:
        """Cancel the orders whose expiry, and the owners whose heartbeat deadline, is at or before `now_ms`."""
        expiries = self._expiries
        while expiries and expiries[0][0] <= now_ms:
            _, _, order_id = heapq.heappop(expiries)
            if order_id in self._open:  # (entries of orders that closed since are dropped here)
                self._cancel_resting(self._open[order_id], CancelReason.EXPIRED)
        queue = self._heartbeat_queue
        while queue and queue[0][0] <= now_ms:
            deadline, owner = heapq.heappop(queue)
            if self._heartbeat_deadlines.get(owner) == deadline:
                del self._heartbeat_deadlines[owner]
                self._cancel_each(self._open_ids(owner), CancelReason.HEARTBEAT)
