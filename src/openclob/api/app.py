"""The ASGI application: routes, the one error handler, and the service's lifecycle.

Nothing is served before the service has recovered its state from the store: the app starts the
service in its lifespan, and the server accepts connections only after that.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from openclob.api import account, admin, builders, clob_markets, keys, market_data, markets, openapi, public, trading
from openclob.api.errors import INTERNAL, ApiError
from openclob.api.http import JSONResponse
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


def build_app(service: Service, master_secret: bytes, admin_token: str) -> Starlette:
    """The Starlette app serving the Polymarket CLOB API on top of `service`."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = Starlette(
        # Starlette tries routes in order: the trading routes, the hot path, come first.
        routes=[
            *trading.ROUTES,
            *public.ROUTES,
            *keys.ROUTES,
            *account.ROUTES,
            *admin.ROUTES,
            *market_data.ROUTES,
            *markets.ROUTES,
            *clob_markets.ROUTES,
            *builders.ROUTES,
            *openapi.ROUTES,
            *WS_ROUTES,
        ],
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            ServiceUnavailable: _unavailable,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.master_secret = master_secret
    app.state.admin_token = admin_token
    app.state.heartbeat_ids = {}
    hub = Hub(service)
    hub.attach()
    app.state.hub = hub
    return app
