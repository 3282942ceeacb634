"""Each HTTP request, observed once where the app takes it: counted and timed for /metrics, and, with
`--access-log`, logged as one line.

One place sees every answer the app gives (the trading routes, Starlette's routes, the gate's 425, a fault
rule's answer, a 404), so this wraps the app's `send` to learn the status; the protocol's own answers (the 503
of load shedding, a 414 or 431 head) never reach the app and are counted by the protocol (server.py).

The route label is the route's template (`/data/order/{order_id}`), never the raw path, so there are as many
series as routes: a path no route serves is `unmatched`. The children of each (method, route, status) are
bound on first use and kept (bounded by routes x methods x statuses), so a request costs two dictionary reads,
two clock reads, a counter increment and a histogram observation: 3-4 us on a busy VM (bench/README.md).

An access line carries the method, route, path (no query), status, latency in ms, the client's IP, the
POLY_ADDRESS header when the request has one, and the order id a trading route noted (`note_order`). No other
header is read: the L2 signature, API key and passphrase, the admin token, never reach the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openclob.metrics import Metrics

access_log = logging.getLogger("openclob.access")

UNMATCHED = "unmatched"
"""The route label of a path no route serves (a 404)."""
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
NOTE_KEY = "openclob.log"
"""Where a route notes fields for its access line (an order id) in the request's scope."""


def note_order(scope: Scope, order_id: str) -> None:
    """Name the order a request placed or cancelled in its access line."""
    scope[NOTE_KEY] = order_id


class RouteNames:
    """Route templates by path: a dictionary read for a path without parameters, else the routes' patterns."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        http = [route for route in routes if isinstance(route, Route)]
        self._exact = {route.path: route.path for route in http if not route.param_convertors}
        self._patterned = [route for route in http if route.param_convertors]

    def name(self, path: str) -> str:
        """The template of the route serving `path`, or `unmatched`."""
        found = self._exact.get(path)
        if found is not None:
            return found
        for route in self._patterned:
            if route.path_regex.match(path):
                return route.path
        return UNMATCHED


class RequestObserver:
    """Counts and times every HTTP request (`metrics`, None: not counted) and logs it (`access`)."""

    def __init__(self, routes: Iterable[BaseRoute], metrics: Metrics | None, access: bool) -> None:
        self._routes = RouteNames(routes)
        self._metrics = metrics
        self._access = access
        self._children: dict[tuple[str, str, int], tuple[Callable[[], None], Callable[[float], None]]] = {}
        """(method, route, status) -> its counter's `inc` and its histogram's `observe`, bound once."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """Serve an HTTP request with `app`, then count it and log it."""
        started = time.perf_counter()
        status = 0  # no answer at all (its client left; a `drop` fault rule)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception:
            status = status or 500  # (uvicorn answers 500; a cancelled request stays unanswered)
            raise
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method, path = scope["method"], scope["path"]
        if method not in METHODS:
            method = "OTHER"
        route = self._routes.name(path)
        if self._metrics is not None:
            children = self._children.get((method, route, status)) or self._bind(method, route, status)
            children[0]()
            children[1](seconds)
        if self._access:
            if not path.isprintable():  # (the path is percent-decoded: "%0A" would start a line of its own)
                path = path.encode("unicode_escape").decode("ascii")
            access_log.info(
                "%s %s %d %.1f ms", method, path, status, seconds * 1000,
                extra={"event": "request", "fields": _access_fields(scope, method, route, path, status, seconds)},
            )  # fmt: skip

    def _bind(self, method: str, route: str, status: int) -> tuple[Callable[[], None], Callable[[float], None]]:
        assert self._metrics is not None
        metrics = self._metrics
        children = (
            metrics.http_requests.labels(method, route, str(status) if status else "none").inc,
            metrics.http_duration.labels(method, route).observe,
        )
        self._children[(method, route, status)] = children
        return children


def _access_fields(scope: Scope, method: str, route: str, path: str, status: int, seconds: float) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "method": method,
        "route": route,
        "path": path,
        "status": status,
        "latency_ms": round(seconds * 1000, 3),
    }
    client = scope.get("client")
    if client:
        fields["client"] = client[0]
    for name, value in scope["headers"]:
        if name == b"poly_address":
            fields["address"] = value.decode("latin-1")[:64].lower()
            break
    order_id = scope.get(NOTE_KEY)
    if order_id is not None:
        fields["order_id"] = order_id
    return fields
