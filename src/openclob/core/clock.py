"""Time: the commands that carry the clock forward, and the expiries, heartbeats and settlements it brings due.

The core reads no clock: every command carries `now_ms`, and before a command is applied every GTD
expiry, heartbeat deadline and settlement step (settlement.py) at or before that time is handled, earliest
first (`Exchange.apply` checks the heads of the three heaps, and calls `_expire_due` only when one is due;
at equal times expiries come first, then heartbeats, then settlements). Their events carry the command's
time: the service sends a time advance at each settlement's due time, and steps through every due time
when its clock is moved (service.py), so they are late only by the sequencer's own delay. An
`AdvanceTime` command does nothing else. A heartbeat sets its owner's deadline; a later heartbeat moves
it, so a deadline popped from the heap counts only if it is still the owner's latest, and then all the
owner's orders are cancelled.
"""

from __future__ import annotations

import heapq

from openclob.core.cancels import Cancels
from openclob.core.commands import AdvanceTime, Heartbeat
from openclob.core.orders import CancelReason
from openclob.core.results import Done, Result
from openclob.core.settlement import Settlement

_NOTHING, _EXPIRY, _HEARTBEAT, _SETTLEMENT = range(4)
"""Which heap's head falls due first."""


class Clock(Cancels, Settlement):
    """Time advances, order expiries, heartbeat deadlines and settlement steps."""

    def _advance_time(self, cmd: AdvanceTime) -> Result:
        return Done()  # what fell due by cmd.now_ms already happened in apply()

    def _heartbeat(self, cmd: Heartbeat) -> Result:
        deadline = cmd.now_ms + cmd.timeout_ms
        self._heartbeat_deadlines[cmd.owner] = deadline
        heapq.heappush(self._heartbeat_queue, (deadline, cmd.owner))
        return Done()

    def _expire_due(self, now_ms: int) -> None:
        """Handle, earliest first, every expiry, heartbeat deadline and settlement step at or before `now_ms`."""
        expiries, heartbeats, settlements = self._expiries, self._heartbeat_queue, self._settlements
        while True:
            due_ms, which = now_ms + 1, _NOTHING
            if expiries and expiries[0][0] < due_ms:
                due_ms, which = expiries[0][0], _EXPIRY
            if heartbeats and heartbeats[0][0] < due_ms:
                due_ms, which = heartbeats[0][0], _HEARTBEAT
            if settlements and settlements[0][0] < due_ms:
                which = _SETTLEMENT
            if which == _NOTHING:
                return
            if which == _EXPIRY:
                _, _, order_id = heapq.heappop(expiries)
                if order_id in self._open:  # (entries of orders that closed since are dropped here)
                    self._cancel_resting(self._open[order_id], CancelReason.EXPIRED)
            elif which == _HEARTBEAT:
                deadline, owner = heapq.heappop(heartbeats)
                if self._heartbeat_deadlines.get(owner) == deadline:
                    del self._heartbeat_deadlines[owner]
                    self._cancel_each(self._open_ids(owner), CancelReason.HEARTBEAT)
            else:
                self._settle_due()
