"""Health, time and version: public, no auth."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.http import ok
from openclob.service import Service


async def health(request: Request) -> Response:
    """GET / and GET /ok."""
    return ok("OK")


async def server_time(request: Request) -> Response:
    """GET /time: a bare integer of unix seconds."""
    service: Service = request.app.state.service
    return ok(service.now_ms() // 1000)


async def version(request: Request) -> Response:
    """GET /version: the order version this server prefers."""
    service: Service = request.app.state.service
    return ok({"version": service.settings.order_version})


ROUTES = [
    Route("/", health, methods=["GET"]),
    Route("/ok", health, methods=["GET"]),
    Route("/time", server_time, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
]
