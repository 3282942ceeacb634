"""The ASGI application: the service's gate, the hot-path dispatch and the one error handler (built in assembly.py).

The server listens at once; the service recovers its state from the store in the background (started by the
lifespan), and until it is ready every request but the health checks, /openapi.json, /metrics and the console's
static files gets 425, as Polymarket's restarting engine answers, and WebSockets are refused. A service that
halted answers 503 to everything. A request whose client left before the app took it up is dropped unanswered
and undone (under overload it may have waited long enough for its client to give up). Past
`max_inflight_requests` requests in hand, the server's protocol itself answers 503 (server.py).

The trading routes (placing and cancelling orders) are the hot path: `OpenClobApp` hands them to their
endpoints straight from the (method, path) of the request, before Starlette's middleware and router,
with the same error handlers. Every other route goes through Starlette as usual.

The operator's fault rules of the HTTP kinds act on a request before anything else (the gate and the throttle
included): with no rule set, that costs one attribute test (api/faults.py, openclob/faults.py). Only the
observer sees a request before them: it counts and times every answer for /metrics and writes the access log
(api/observe.py, api/metrics.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from openclob.api import (
    console,
    faults,
    forward,
    rate_limits,
)
from openclob.api.errors import INTERNAL, NOT_READY, OVERLOADED, ApiError
from openclob.api.http import JSONResponse
from openclob.api.observe import RequestObserver
from openclob.api.throttle import Throttle
from openclob.faults import Faults
from openclob.load import Load
from openclob.service import Overloaded, Recovering, Service, ServiceUnavailable, Status

log = logging.getLogger("openclob.api")


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = "not found" if error.status_code == 404 else str(error.detail)
    return JSONResponse({"error": message}, status_code=error.status_code)


async def _unavailable(request: Request, error: Exception) -> Response:
    return JSONResponse({"error": INTERNAL}, status_code=500)


def _retry_later(request: Request, status: int, message: str) -> Response:
    service: Service = request.app.state.service
    retry_after = str(service.settings.limits.overload_retry_after_seconds)
    return JSONResponse({"error": message}, status_code=status, headers={"Retry-After": retry_after})


async def _overloaded(request: Request, error: Exception) -> Response:
    return _retry_later(request, 503, OVERLOADED)


async def _recovering(request: Request, error: Exception) -> Response:
    return _retry_later(request, 425, NOT_READY)


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception(
        "unhandled error on %s %s", request.method, request.url.path, exc_info=error, extra={"event": "unhandled_error"}
    )
    return JSONResponse({"error": INTERNAL}, status_code=500)


Endpoint = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
ERROR_HANDLERS: dict[type[Exception], ErrorHandler] = {
    ApiError: _api_error,
    HTTPException: _http_error,
    ServiceUnavailable: _unavailable,
    Overloaded: _overloaded,
    Recovering: _recovering,
    Exception: _unexpected,
}


ALWAYS_SERVED = frozenset({"/", "/ok", "/ready", "/openapi.json", "/metrics"})
"""Answered whatever the service's status: the health checks and the metrics report it, the API's document does
not change. The console's static files (under /console) are served too: the page then shows the API's 425 itself."""
READ_METHODS = frozenset({"GET", "HEAD"})
"""Requests that only read: they wait until memory holds nothing that is not durable (`Service.durable`)."""


class OpenClobApp(Starlette):
    """Starlette, with the service's gate and the trading routes dispatched before its middleware and router.

    With rate limits on, `throttle` holds back every HTTP request over its IP's limits first, and the answers of
    the trading routes carry their signer's rate-limit headers from `trading_limits` (api/throttle.py,
    api/rate_limits.py).
    """

    hot_routes: dict[tuple[str, str], Endpoint]
    service: Service
    throttle: Throttle | None = None
    trading_limits: rate_limits.TradingLimits | None = None
    load: Load
    """What the HTTP server has in hand (its protocol counts it and sheds load past the bound: server.py)."""
    faults: Faults
    """The operator's fault rules (openclob/faults.py): the HTTP kinds act in `_serve`, before anything else."""
    forward: forward.Forwarder | None = None
    """In an edge process of `--workers N`: passes the sequencer's routes (admin, heartbeats) to its process."""
    forward_rate_limited: bool = False
    """In an edge process: with rate limits on, every HTTP request is answered by the sequencer's process, whose
    buckets are the only ones (one per signer and per IP, whichever edge a request reaches)."""
    trusts_forwarded_client: bool = False
    """In the sequencer's process of `--workers N`: its app is reached only by the edges, on a private socket,
    and takes the client address they pass on (api/forward.py)."""

    def _forwarded(self, path: str) -> bool:
        """In an edge: whether the sequencer's process answers a request for `path` (and counts and logs it)."""
        return self.forward is not None and (forward.forwarded(path) or self._forwards_everything())

    def _forwards_everything(self) -> bool:
        """In an edge: whether every HTTP request goes to the sequencer's process (rate limits on, or HTTP or key
        fault rules in force, whose draws and counts are the sequencer's process's alone)."""
        return self.forward_rate_limited or bool(self.faults.http_rules or self.faults.key_rules)

    observer: RequestObserver | None = None
    """Counts, times and logs each HTTP request (None with metrics off and no access log: api/observe.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusts_forwarded_client and scope["type"] == "http":
            scope = forward.with_forwarded_client(scope)
        observer = self.observer
        if observer is not None and scope["type"] == "http" and not self._forwarded(scope["path"]):
            await observer(scope, receive, send, self._serve)
            return
        await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The fault rules of the HTTP kinds, then the request."""
        if self.forward is not None and scope["type"] == "http" and self._forwards_everything():
            await self.forward(scope, receive, send)
            return
        if self.faults.http_rules and scope["type"] == "http":
            rule = faults.fired(self.faults, scope)
            if rule is not None:
                retry_after = self.service.settings.limits.overload_retry_after_seconds
                await faults.act(rule, scope, receive, send, self._dispatch, retry_after)
                return
        await self._dispatch(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The service's gate, the throttle and a request whose client left, then the request's route."""
        kind = scope["type"]
        if kind == "http":
            service = self.service
            path = scope["path"]
            if self.forward is not None and forward.forwarded(path):
                await self.forward(scope, receive, send)  # the sequencer's process answers it (api/forward.py)
                return
            if service.status is not Status.READY and path not in ALWAYS_SERVED and not console.is_console(path):
                scope["app"] = self
                await _refuse(Request(scope, receive, send), service)(scope, receive, send)
                return
            if self.throttle is not None:
                refusal = await self.throttle.refusal(scope)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
            if _client_gone(receive):
                return  # it waited so long its client left: no one would hear the answer, so nothing is done
            if (
                service.ahead_of_store
                and path not in ALWAYS_SERVED
                and (scope["method"] in READ_METHODS or (self.forward is not None and _unknown_key(scope, service)))
            ):
                await service.durable()  # a read shows only what is durable (see Service.durable)
            endpoint = self.hot_routes.get((scope["method"], scope["path"]))
            if endpoint is None:
                await super().__call__(scope, receive, send)
                return
            scope["app"] = self
            request = Request(scope, receive, send)
            try:
                response = await endpoint(request)
            except Exception as error:
                response = await _handle(request, error)
            rate_limits.add_headers(scope, response)
            await response(scope, receive, send)
            return
        if kind == "websocket" and not self.service.ready:
            await send({"type": "websocket.close", "code": 1013, "reason": "the exchange is not ready"})
            return
        await super().__call__(scope, receive, send)


def _unknown_key(scope: Scope, service: Service) -> bool:
    """Whether the request is signed with an API key this edge does not know (yet: it may have been created on
    another edge a moment ago, so the edge syncs before it answers 401)."""
    for name, value in scope["headers"]:
        if name == b"poly_api_key":
            return value.decode("latin-1") not in service.edge.api_keys
    return False


def _client_gone(receive: Receive) -> bool:
    """Whether the request's connection closed before the app took it up (uvicorn's cycle says so; an in-process
    transport has no such cycle)."""
    cycle = getattr(receive, "__self__", None)
    return bool(getattr(cycle, "disconnected", False))


def _refuse(request: Request, service: Service) -> Response:
    """425 while the service recovers, 503 once it halted or while it stops."""
    if service.status is Status.RECOVERING:
        return _retry_later(request, 425, NOT_READY)
    return JSONResponse({"error": INTERNAL}, status_code=503)


async def _handle(request: Request, error: Exception) -> Response:
    """The response Starlette's exception handling would give (the most specific handler of the error's class)."""
    handler = next(ERROR_HANDLERS[cls] for cls in type(error).__mro__ if cls in ERROR_HANDLERS)
    return await handler(request, error)
