"""The admin API of a running openclob, for tests: fault rules and the exchange clock (README: Operating it).

Every refusal raises `AdminError` with the status and the server's own message, so that a test that sets a
malformed rule fails saying which field is wrong.
"""

from __future__ import annotations

import builtins
from typing import Any

import httpx

ADMIN_TIMEOUT_SECONDS = 60.0
"""A clock advance answers once all that fell due is applied: allow it time on a slow machine."""


class AdminError(Exception):
    """The admin API refused a request: `status` is the HTTP status, `message` the server's error."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status = status
        self.message = message


class AdminClient:
    """Calls `/admin/...` on one server with its bearer token."""

    def __init__(self, url: str, token: str) -> None:
        self._http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=ADMIN_TIMEOUT_SECONDS
        )

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send `body` as JSON (None: no body) and return the decoded answer; raise AdminError unless 200."""
        response = self._http.request(method, path, json=body)
        if response.status_code != 200:
            try:
                message = str(response.json()["error"])
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise AdminError(method, path, response.status_code, message)
        return response.json()

    def close(self) -> None:
        """Close its connections."""
        self._http.close()


class Faults:
    """The fault rules in force on a server (README: Faults)."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def add(self, **rule: Any) -> dict[str, Any]:
        """Put a rule in force, e.g. `add(kind="status", status=425, path="/order", count=1)`; return it as the
        server answers it: with its `id`, `fired` and, given a count, `left`."""
        added: dict[str, Any] = self._admin.request("POST", "/admin/faults", rule)
        return added

    def remove(self, rule_id: int) -> dict[str, Any]:
        """Take the rule with this id out of force; return it (AdminError 404 if it is gone, e.g. used up)."""
        removed: dict[str, Any] = self._admin.request("DELETE", f"/admin/faults/{rule_id}")
        return removed

    def clear(self) -> builtins.list[dict[str, Any]]:
        """Take every rule out of force; return them."""
        removed: builtins.list[dict[str, Any]] = self._admin.request("DELETE", "/admin/faults")
        return removed

    def list(self) -> builtins.list[dict[str, Any]]:
        """The rules in force, in the order they act, each with how often it fired and what it has left."""
        rules: builtins.list[dict[str, Any]] = self._admin.request("GET", "/admin/faults")
        return rules


class Clock:
    """The exchange's clock (README: Time and settlement). Each method returns the exchange's time after it,
    in unix milliseconds."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def now_ms(self) -> int:
        """The exchange's time."""
        return int(self._admin.request("GET", "/admin/clock")["now_ms"])

    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return bool(self._admin.request("GET", "/admin/clock")["frozen"])

    def advance(self, ms: int) -> int:
        """Move the clock `ms` forward, applying everything that falls due on the way (GTD expiries, lapsed
        heartbeats, settlement steps) before it returns. A running clock runs on from there."""
        return self._move({"advance_ms": ms})

    def freeze(self) -> int:
        """Stop the clock where it is."""
        return self._move({"freeze": True})

    def unfreeze(self) -> int:
        """Let the clock run on from where it stands."""
        return self._move({"freeze": False})

    def _move(self, change: dict[str, Any]) -> int:
        return int(self._admin.request("POST", "/admin/clock", change)["now_ms"])
