"""Time: the commands that carry the clock forward, and the expiries, heartbeats and settlements it brings due.

The core reads no clock: every command carries `now_ms`. Before a command is applied, every GTD expiry, heartbeat
deadline and market end date (lifecycle.py) at or before that time is handled (`Exchange.apply` checks the heads
of the three heaps, and calls `_expire_due` only when one is due). Settlement steps (settlement.py) are taken
only by a time advance: an `AdvanceTime` handles everything due by its time, expiries, heartbeats, end dates and
settlement steps together, earliest first (at equal times expiries, then heartbeats, then end dates, then
settlements). Keeping settlement off the other commands keeps their path free of a clock read; the service sends
a time advance at each settlement's due time, and steps through every due time when its clock is moved
(service.py), so a trade is MINED, and its held-back proceeds spendable, as soon as the sequencer gets there. The
events of what falls due carry the time of the command they run in. A heartbeat sets its owner's deadline; a
later heartbeat moves it, so a deadline popped from the heap counts only if it is still the owner's latest, and
then all the owner's orders are cancelled."""

from __future__ import annotations

import heapq

from openclob.core.commands import AdvanceTime, Heartbeat
from openclob.core.lifecycle import Lifecycle
from openclob.core.orders import CancelReason
from openclob.core.results import Done, Result
from openclob.core.state import SettlementStep

_NOTHING, _EXPIRY, _HEARTBEAT, _CLOSING, _SETTLEMENT = range(5)
"""Which heap's head falls due first."""


class Clock(Lifecycle):
    """Time advances, order expiries, heartbeat deadlines, market end dates and settlement steps."""

    def _advance_time(self, cmd: AdvanceTime) -> Result:
        now_ms, settlements = cmd.now_ms, self._settlements
        if (
            (settlements and settlements[0][0] <= now_ms)
            or (self._expiries and self._expiries[0][0] <= now_ms)
            or (self._heartbeat_queue and self._heartbeat_queue[0][0] <= now_ms)
            or (self._closings and self._closings[0][0] <= now_ms)
        ):
            self._expire_due(now_ms, settlements)
        return Done()

    def _heartbeat(self, cmd: Heartbeat) -> Result:
        deadline = cmd.now_ms + cmd.timeout_ms
        self._heartbeat_deadlines[cmd.owner] = deadline
        heapq.heappush(self._heartbeat_queue, (deadline, cmd.owner))
        return Done()

    def _expire_due(self, now_ms: int, settlements: list[SettlementStep]) -> None:
        """Handle, earliest first, every expiry, heartbeat deadline and step of `settlements` (the exchange's, or
        none) at or before `now_ms`."""
        expiries, heartbeats, closings = self._expiries, self._heartbeat_queue, self._closings
        while True:
            due_ms, which = now_ms + 1, _NOTHING
            if expiries and expiries[0][0] < due_ms:
                due_ms, which = expiries[0][0], _EXPIRY
            if heartbeats and heartbeats[0][0] < due_ms:
                due_ms, which = heartbeats[0][0], _HEARTBEAT
            if closings and closings[0][0] < due_ms:
                due_ms, which = closings[0][0], _CLOSING
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
            elif which == _CLOSING:
                self._close_due()
            else:
                self._settle_due()
