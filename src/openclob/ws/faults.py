"""The WebSocket fault rules (openclob/faults.py) acting on the hub's sockets.

A rule acts on each matching socket open when it is added, in the order they opened, and on each matching socket
that opens while it is in force (a user socket once it has authenticated: its owner is what `address` matches);
every socket it acts on is one firing.

- `ws_disconnect`: the socket is closed at once, without a close frame (its client sees the connection drop).
- `ws_stall`: an episode of `duration_ms` from when the rule is added (from a `--faults` file: when the server
  starts), after which the rule ends. Until then the sockets it acts on get no events (their queues are emptied;
  what is published meanwhile is lost to them, the snapshot of a new subscription included) while they stay open
  and still answer PING: a client resynchronises from REST. Removing the rule ends the episode at once; a rule
  whose `count` is used up is gone from the list, but the sockets it stalled stay stalled to the episode's end.
"""

from __future__ import annotations

import asyncio

from openclob.faults import SOCKET_KINDS, Active, Faults
from openclob.ws.hub import Hub, Subscriber

CLOSE_GOING_AWAY = 1001
"""How a socket is closed when the server gives no way to drop the connection."""


class SocketFaults:
    """Applies the WebSocket rules of `faults` to the sockets of `hub`."""

    def __init__(self, hub: Hub, faults: Faults) -> None:
        self.hub = hub
        self.faults = faults
        self._stalls: dict[int, tuple[asyncio.TimerHandle, list[Subscriber]]] = {}
        hub.on_open = self.opened

    def start(self) -> None:
        """Start the episodes of the stall rules put in force before the server ran (`--faults FILE`)."""
        for active in self.faults.socket_rules:
            if active.rule.kind == "ws_stall" and active.id not in self._stalls:
                self.added(active)

    def opened(self, subscriber: Subscriber) -> None:
        """A socket is ready: the first WebSocket rule in force that matches it and fires acts on it."""
        if not self.faults.socket_rules:
            return
        active = self.faults.socket(subscriber.channel, self._address(subscriber))
        if active is not None:
            self._act(active, subscriber)

    def added(self, active: Active) -> None:
        """A WebSocket rule was put in force: it acts on the matching open sockets now."""
        if active.rule.kind == "ws_stall":
            duration_s = (active.rule.duration_ms or 0) / 1000
            timer = asyncio.get_running_loop().call_later(duration_s, self._stall_over, active)
            self._stalls[active.id] = (timer, [])
        for subscriber in list(self.hub.sockets):
            if self.faults.fires_on_socket(active, subscriber.channel, self._address(subscriber)):
                self._act(active, subscriber)

    def follow(self, rules: list[Active]) -> dict[int, int]:
        """Take `rules` as the rules in force (an edge process following the sequencer's process): WebSocket rules
        new here act on the open sockets, those gone end; return how often each new rule fired, by rule id."""
        before = {active.id: active for active in self.faults.rules()}
        self.faults.follow(rules)
        fired: dict[int, int] = {}
        for active in self.faults.socket_rules:
            if active.id not in before:
                start = active.fired
                self.added(active)
                if active.fired > start:
                    fired[active.id] = active.fired - start
        kept = {active.id for active in rules}
        for rule_id, active in before.items():
            if rule_id not in kept and active.rule.kind in SOCKET_KINDS:
                self.removed(active)
        return fired

    def removed(self, active: Active) -> None:
        """A WebSocket rule was taken out of force: a stall ends now."""
        stall = self._stalls.pop(active.id, None)
        if stall is not None:
            timer, stalled = stall
            timer.cancel()
            for subscriber in stalled:
                subscriber.unstall()

    def _stall_over(self, active: Active) -> None:
        self.faults.remove(active.id)
        self.removed(active)

    def _act(self, active: Active, subscriber: Subscriber) -> None:
        if active.rule.kind == "ws_disconnect":
            if subscriber.abort is not None:
                subscriber.abort()
                subscriber.stop(None)
            else:
                subscriber.stop((CLOSE_GOING_AWAY, "disconnected by a fault rule"))
            return
        stall = self._stalls.get(active.id)
        if stall is not None:
            subscriber.stall()
            stall[1].append(subscriber)

    def _address(self, subscriber: Subscriber) -> str | None:
        """The address that owns a user socket (None before it authenticates, and on the market channel)."""
        owner = subscriber.owner
        record = None if owner is None else self.hub.service.edge.api_keys.get(owner)
        return None if record is None else record.address
