"""Fault rules: failures the operator provokes on purpose, so that a bot's tests meet them deterministically.

No I/O here: the rule model and its checks, matching, counting and the seeded draws. The edges act on what
`Faults` answers: api/faults.py and api/app.py (the HTTP kinds), api/auth.py (`new_key_delay`), ws/faults.py
(the WebSocket kinds).

- Rules are operator state for a test run: held in memory, never journalled, kept in the order they were added.
- A rule matches when each of `method`, `path` (exact, or a prefix ending in `*`) and `address` that it gives
  equals the request's (the socket's, for the WebSocket kinds: `channel`, and `address` the user channel's
  owner). It fires with `probability` (default 1), drawn from a generator seeded at start: only rules with a
  probability below 1 draw, so the same requests in the same order give the same firings.
- Each place where faults act (a request's arrival, an L2 check, a socket) takes the first rule of the kinds
  that act there which matches and fires; a rule that matches but misses its draw lets the next one try.
- `count` counts firings (a miss does not use one up); the firing that uses the last one removes the rule.
- /admin/* and the web console's files under /console/* (the operator must always be able to remove a rule),
  /ready (the operator's probe) and /openapi.json are never faulted; a rule that could match only those is
  refused.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

import msgspec

Kind = Literal["status", "delay", "timeout_after_apply", "drop", "ws_stall", "ws_disconnect", "new_key_delay"]
Channel = Literal["market", "user"]

MAX_COUNT: Final = 1_000_000_000
MAX_DELAY_MS: Final = 3_600_000
"""An hour: longer than any client waits for an answer."""
MAX_PATH_CHARS: Final = 1_000
METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")

HTTP_KINDS: Final = frozenset({"status", "delay", "timeout_after_apply", "drop"})
"""Act when an HTTP request arrives (api/app.py)."""
SOCKET_KINDS: Final = frozenset({"ws_stall", "ws_disconnect"})
"""Act on WebSockets (ws/faults.py)."""
KEY_KINDS: Final = frozenset({"new_key_delay"})
"""Act when an L2 request's API key is checked (api/auth.py)."""

_MATCH = frozenset({"method", "path", "address"})
_COMMON = frozenset({"kind", "count", "probability"})
FIELDS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # kind: (required fields, optional fields), beyond kind, count and probability
    "status": (frozenset({"status"}), _MATCH | {"body"}),
    "delay": (frozenset({"delay_ms"}), _MATCH),
    "timeout_after_apply": (frozenset(), _MATCH | {"delay_ms"}),
    "drop": (frozenset(), _MATCH),
    "ws_stall": (frozenset({"channel", "duration_ms"}), frozenset({"address"})),
    "ws_disconnect": (frozenset({"channel"}), frozenset({"address"})),
    "new_key_delay": (frozenset({"delay_ms"}), _MATCH),
}

NEVER_FAULTED: Final = frozenset({"/ready", "/openapi.json", "/metrics"})
"""Exact paths never faulted, besides /admin and everything under it."""


def faultable(path: str) -> bool:
    """Whether HTTP fault rules may act on a request for `path`."""
    return not (any(path == p or path.startswith(p + "/") for p in ("/admin", "/console")) or path in NEVER_FAULTED)


class Rule(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """One fault rule, as the operator sets it (POST /admin/faults, `--faults FILE`)."""

    kind: Kind
    method: str | None = None
    path: str | None = None
    address: str | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=MAX_COUNT)] | None = None
    probability: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] | None = None
    status: Annotated[int, msgspec.Meta(ge=400, le=599)] | None = None
    body: Any = None
    """`status`: the JSON body answered instead of the default."""
    delay_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_DELAY_MS)] | None = None
    channel: Channel | None = None
    duration_ms: Annotated[int, msgspec.Meta(ge=1, le=MAX_DELAY_MS)] | None = None


class InvalidRule(ValueError):
    """A rule that cannot be added; the message names the field."""


def check(rule: Rule) -> Rule:
    """The rule with `method` upper-cased and `address` lower-cased; raise InvalidRule naming a bad field."""
    required, optional = FIELDS[rule.kind]
    given = {name for name in rule.__struct_fields__ if getattr(rule, name) is not None}
    foreign, missing = sorted(given - required - optional - _COMMON), sorted(required - given)
    if foreign:
        raise InvalidRule(f"{foreign[0]} does not apply to kind {rule.kind}")
    if missing:
        raise InvalidRule(f"{missing[0]} is required for kind {rule.kind}")
    method, path, address = rule.method, rule.path, rule.address
    if method is not None:
        method = method.upper()
        if method not in METHODS:
            raise InvalidRule(f"method must be one of {', '.join(METHODS)}")
    if path is not None:
        if not path.startswith("/") or len(path) > MAX_PATH_CHARS or "*" in path[:-1]:
            raise InvalidRule(f"path must start with / and may end with * (a prefix), at most {MAX_PATH_CHARS} chars")
        if not faultable(path.removesuffix("*")):
            raise InvalidRule("path: /admin/*, /console/*, /ready and /openapi.json are never faulted")
    if address is not None:
        if not ADDRESS.fullmatch(address):
            raise InvalidRule("address must be 0x and 40 hex digits")
        if rule.channel == "market":
            raise InvalidRule("address applies to the user channel only (the market channel has no owner)")
        address = address.lower()
    return msgspec.structs.replace(rule, method=method, path=path, address=address)


def load_rules(data: bytes) -> list[Rule]:
    """The rules of a `--faults` file (a JSON list of rules), checked; raise InvalidRule naming the rule."""
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw])
    except (msgspec.DecodeError, ValueError) as error:
        raise InvalidRule(f"expected a JSON list of rules: {error}") from None
    rules = []
    for index, item in enumerate(items, 1):
        try:
            rules.append(check(msgspec.json.decode(item, type=Rule)))
        except (msgspec.DecodeError, ValueError) as error:
            raise InvalidRule(f"rule {index}: {error}") from None
    return rules


@dataclass(slots=True)
class Active:
    """A rule in force: its id, what it has left and what it has done."""

    id: int
    rule: Rule
    added_at_ms: int
    """Exchange time when it was added: `new_key_delay` acts on keys created from then on."""
    left: int | None
    """Firings left (None: no count)."""
    fired: int = 0

    def view(self) -> dict[str, Any]:
        """The rule as GET /admin/faults lists it: `{"id", ...the rule, "fired", "left"?}`."""
        shown: dict[str, Any] = {"id": self.id, **msgspec.to_builtins(self.rule), "fired": self.fired}
        if self.left is not None:
            shown["left"] = self.left
        return shown


class TooManyRules(Exception):
    """The operator has set `max_rules` rules already."""


class Faults:
    """The rules in force, in the order they were added, and the seeded generator of their draws.

    `http_rules`, `key_rules` and `socket_rules` (tuples, empty when none) are what the edges check first: with
    no rule set, a request pays one attribute test.
    """

    def __init__(self, seed: int, max_rules: int) -> None:
        self.seed = seed
        self.max_rules = max_rules
        self._random = random.Random(seed)
        self._rules: dict[int, Active] = {}
        self._last_id = 0
        self.http_rules: tuple[Active, ...] = ()
        self.key_rules: tuple[Active, ...] = ()
        self.socket_rules: tuple[Active, ...] = ()
        self.fired: dict[str, int] = {}
        """Firings since start by rule kind, rules removed since included (read by /metrics)."""
        self.on_change: list[Callable[[list[Active]], None]] = []
        """Called with the rules in force each time they change (the edge processes of `--workers N` follow)."""

    def add(self, rule: Rule, now_ms: int) -> Active:
        """Put a checked rule in force (after those already set)."""
        if len(self._rules) >= self.max_rules:
            raise TooManyRules(f"too many fault rules: at most {self.max_rules}")
        self._last_id += 1
        active = Active(id=self._last_id, rule=rule, added_at_ms=now_ms, left=rule.count)
        self._rules[active.id] = active
        self._sort()
        return active

    def remove(self, rule_id: int) -> Active | None:
        """Take a rule out of force; None if there is none with that id."""
        active = self._rules.pop(rule_id, None)
        if active is not None:
            self._sort()
        return active

    def clear(self) -> list[Active]:
        """Take every rule out of force; return them."""
        removed = list(self._rules.values())
        self._rules.clear()
        self._sort()
        return removed

    def rules(self) -> list[Active]:
        """The rules in force, oldest first."""
        return list(self._rules.values())

    def count_firings(self, rule_id: int, times: int) -> None:
        """Count `times` firings of a rule that happened elsewhere (on an edge process's sockets)."""
        active = self._rules.get(rule_id)
        if active is None or times <= 0:
            return
        active.fired += times
        kind = active.rule.kind
        self.fired[kind] = self.fired.get(kind, 0) + times
        if active.left is not None:
            active.left = max(0, active.left - times)
            if active.left == 0:
                self.remove(rule_id)

    def follow(self, rules: list[Active]) -> None:
        """Take `rules` as the rules in force (an edge process following the sequencer's process's rules)."""
        self._rules = {active.id: active for active in rules}
        self._sort()

    def http(self, method: str, path: str, address: str | None) -> Rule | None:
        """The HTTP rule that fires on this request, if any (`address`: its POLY_ADDRESS, lower-cased)."""
        for active in self.http_rules:
            if _matches(active.rule, method, path, address) and self._fires(active):
                return active.rule
        return None

    def key_refused(self, method: str, path: str, address: str | None, created_at_ms: int, now_ms: int) -> Rule | None:
        """The `new_key_delay` rule that refuses an L2 request signed with a key created at `created_at_ms`."""
        for active in self.key_rules:
            rule = active.rule
            young = created_at_ms >= active.added_at_ms and now_ms - created_at_ms < (rule.delay_ms or 0)
            if young and _matches(rule, method, path, address) and self._fires(active):
                return rule
        return None

    def socket(self, channel: str, address: str | None) -> Active | None:
        """The WebSocket rule that fires on a socket that has just opened (the user channel: authenticated)."""
        for active in self.socket_rules:
            if self.fires_on_socket(active, channel, address):
                return active
        return None

    def fires_on_socket(self, active: Active, channel: str, address: str | None) -> bool:
        """Whether `active` (a WebSocket rule in force) matches this socket and fires on it."""
        rule = active.rule
        if active.id not in self._rules or rule.channel != channel:
            return False
        return (rule.address is None or rule.address == address) and self._fires(active)

    def _fires(self, active: Active) -> bool:
        probability = active.rule.probability
        if probability is not None and probability < 1 and self._random.random() >= probability:
            return False
        active.fired += 1
        kind = active.rule.kind
        self.fired[kind] = self.fired.get(kind, 0) + 1
        if active.left is not None:
            active.left -= 1
            if active.left == 0:
                self.remove(active.id)
        return True

    def _sort(self) -> None:
        rules = self._rules.values()
        self.http_rules = tuple(a for a in rules if a.rule.kind in HTTP_KINDS)
        self.key_rules = tuple(a for a in rules if a.rule.kind in KEY_KINDS)
        self.socket_rules = tuple(a for a in rules if a.rule.kind in SOCKET_KINDS)
        for hook in self.on_change:
            hook(list(rules))


def _matches(rule: Rule, method: str, path: str, address: str | None) -> bool:
    if rule.method is not None and rule.method != method:
        return False
    pattern = rule.path
    if pattern is not None and not (path.startswith(pattern[:-1]) if pattern[-1] == "*" else path == pattern):
        return False
    return rule.address is None or rule.address == address
