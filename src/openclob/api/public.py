"""Health, readiness, time and version: public, no auth.

GET / and GET /ok answer "OK" while the exchange runs; while it recovers its state at start they answer 425
(Polymarket's restarting engine), and once its sequencer is not running 503, with the reason. GET /ready is
openclob's readiness probe: the same statuses, with the sequencer's figures as JSON.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api.errors import NOT_READY
from openclob.api.http import JSONResponse, ok
from openclob.service import Service, Status

NOT_RUNNING = "Service Unavailable: the exchange's sequencer is not running"


def _not_running(service: Service) -> Response | None:
    """The 425 or 503 answer while the service does not apply requests; None while it does."""
    status = service.status
    if status is Status.READY and service.sequencer_running:
        return None
    body: dict[str, object] = {"status": status.value}
    if status is Status.RECOVERING:
        retry_after = str(service.settings.limits.overload_retry_after_seconds)
        return JSONResponse({"error": NOT_READY, **body}, status_code=425, headers={"Retry-After": retry_after})
    if service.failure:
        body["reason"] = service.failure
    return JSONResponse({"error": NOT_RUNNING, **body}, status_code=503)


async def health(request: Request) -> Response:
    """GET / and GET /ok: "OK" while the exchange runs."""
    service: Service = request.app.state.service
    return _not_running(service) or ok("OK")


async def readiness(request: Request) -> Response:
    """GET /ready: whether the sequencer runs, with its journal sequence and queue depth."""
    service: Service = request.app.state.service
    return _not_running(service) or ok(
        {
            "status": service.status.value,
            "sequence": service.sequence,
            "queued_commands": service.queued_commands,
            "inflight_requests": request.app.load.inflight,
        }
    )


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
    Route("/ready", readiness, methods=["GET"]),
    Route("/time", server_time, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
]
