"""The ASGI application: routes, the one error handler, and the service's lifecycle.

Nothing is served before the service has recovered its state from the store: the app starts the
service in its lifespan, and the server accepts connections only after that.

The trading routes (placing and cancelling orders) are the hot path: `OpenClobApp` hands them to their
endpoints straight from the (method, path) of the request, before Starlette's middleware and router,
with the same error handlers. Every other route goes through Starlette as usual.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from openclob.api import (
    account,
    admin,
    builders,
    clob_markets,
    keys,
    market_data,
    markets,
    openapi,
    public,
    rate_limit_tiers,
    rate_limits,
    trading,
)
from openclob.api.errors import INTERNAL, ApiError
from openclob.api.http import JSONResponse
from openclob.api.throttle import Throttle
from openclob.service import Service, ServiceUnavailable
from openclob.ws import ROUTES as WS_ROUTES
from openclob.ws import Hub

log = logging.getLogger("openclob.api")


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return JSONResponse(error.body(), status_code=error.status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = "not found" if error.status_code == 404 else str(error.detail)
    return JSONResponse({"error": message}, status_code=error.status_code)


async def _unavailable(request: Request, error: Exception) -> Response:
    return JSONResponse({"error": INTERNAL}, status_code=500)


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse({"error": INTERNAL}, status_code=500)


Endpoint = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
ERROR_HANDLERS: dict[type[Exception], ErrorHandler] = {
    ApiError: _api_error,
    HTTPException: _http_error,
    ServiceUnavailable: _unavailable,
    Exception: _unexpected,
}


class OpenClobApp(Starlette):
    """Starlette, with the trading routes dispatched before its middleware and router (see the module).

    With rate limits on, `throttle` holds back every HTTP request over its IP's limits first, and the answers of
    the trading routes carry their signer's rate-limit headers from `trading_limits` (api/throttle.py,
    api/rate_limits.py).
    """

    hot_routes: dict[tuple[str, str], Endpoint]
    throttle: Throttle | None = None
    trading_limits: rate_limits.TradingLimits | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.throttle is not None:
                refusal = await self.throttle.refusal(scope)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
            endpoint = self.hot_routes.get((scope["method"], scope["path"]))
            if endpoint is not None:
                scope["app"] = self
                request = Request(scope, receive, send)
                try:
                    response = await endpoint(request)
                except Exception as error:
                    response = await _handle(request, error)
                rate_limits.add_headers(scope, response)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


async def _handle(request: Request, error: Exception) -> Response:
    """The response Starlette's exception handling would give (the most specific handler of the error's class)."""
    handler = next(ERROR_HANDLERS[cls] for cls in type(error).__mro__ if cls in ERROR_HANDLERS)
    return await handler(request, error)


def _hot_routes(routes: list[Route]) -> dict[tuple[str, str], Endpoint]:
    return {(method, route.path): route.endpoint for route in routes for method in route.methods or ()}


def _rate_limits(app: OpenClobApp, service: Service) -> None:
    """Turn Polymarket's rate limits on if the settings ask for them (`--rate-limits polymarket`)."""
    if service.settings.rate_limits not in ("off", "polymarket"):
        raise ValueError(f"rate_limits must be off or polymarket, not {service.settings.rate_limits!r}")
    on = service.settings.rate_limits == "polymarket"
    app.throttle = Throttle(service.settings.limits) if on else None

    def tier_of(address: str) -> rate_limits.Tier:
        return rate_limits.tier_named(service.edge.rate_limit_tiers.get(address))

    app.trading_limits = rate_limits.TradingLimits(tier_of, service.now_ms) if on else None


def build_app(service: Service, master_secret: bytes, admin_token: str) -> Starlette:
    """The Starlette app serving the Polymarket CLOB API on top of `service`."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = OpenClobApp(
        # Starlette tries routes in order: the trading routes, the hot path, come first.
        routes=[
            *trading.ROUTES,
            *public.ROUTES,
            *keys.ROUTES,
            *account.ROUTES,
            *admin.ROUTES,
            *rate_limit_tiers.ROUTES,
            *market_data.ROUTES,
            *markets.ROUTES,
            *clob_markets.ROUTES,
            *builders.ROUTES,
            *openapi.ROUTES,
            *WS_ROUTES,
        ],
        exception_handlers=dict(ERROR_HANDLERS),
        lifespan=lifespan,
    )
    app.hot_routes = _hot_routes(trading.ROUTES)
    _rate_limits(app, service)
    app.state.service = service
    app.state.master_secret = master_secret
    app.state.admin_token = admin_token
    app.state.heartbeat_ids = {}
    hub = Hub(service)
    hub.attach()
    app.state.hub = hub
    return app
