"""The assembly: one place that builds the whole server from the service, the HTTP edge and the WebSocket channels.

The HTTP layer (api/) and the WebSocket channels (ws/) do not import each other; what they share (the wire
rendering of orders, trades and prices, the JSON decoding limits) lives below both (openclob/wire.py,
openclob/json_limits.py). This module puts them together: the routes of both, the app's lifespan (recovery in
the background, the replays and simulations closed and the service stopped at shutdown), the rate limits, the
fault rules, the WebSocket hub and the metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from openclob.api import (
    account,
    admin,
    admin_reads,
    builders,
    clob_markets,
    clock,
    console,
    data_api,
    events,
    faults,
    gamma,
    keys,
    market_data,
    markets,
    metrics,
    openapi,
    public,
    rate_limit_tiers,
    rate_limits,
    replays,
    simulations,
    trading,
)
from openclob.api.app import ERROR_HANDLERS, Endpoint, OpenClobApp
from openclob.api.observe import RequestObserver
from openclob.api.throttle import Throttle
from openclob.faults import Faults
from openclob.load import Load
from openclob.metrics import Metrics
from openclob.replay.driver import Replays
from openclob.service import Service
from openclob.simulation.manager import Simulations
from openclob.ws import ROUTES as WS_ROUTES
from openclob.ws import Hub, SocketFaults

log = logging.getLogger("openclob.api")


def _hot_routes(routes: list[Route]) -> dict[tuple[str, str], Endpoint]:
    return {(method, route.path): route.endpoint for route in routes for method in route.methods or ()}


async def _start(service: Service) -> None:
    """Recover in the background (the server already answers 425); if that fails, the process stops."""
    try:
        await service.start()
    except Exception:
        log.critical("the exchange could not start: %s", service.failure, extra={"event": "start_failed"})
        service.on_fatal()


def _rate_limits(app: OpenClobApp, service: Service) -> None:
    """Turn Polymarket's rate limits on if the settings ask for them (`--rate-limits polymarket`)."""
    if service.settings.rate_limits not in ("off", "polymarket"):
        raise ValueError(f"rate_limits must be off or polymarket, not {service.settings.rate_limits!r}")
    on = service.settings.rate_limits == "polymarket"
    app.throttle = Throttle(service.settings.limits) if on else None

    def tier_of(address: str) -> rate_limits.Tier:
        return rate_limits.tier_named(service.edge.rate_limit_tiers.get(address))

    # (Poly-RateLimit-Reset is the client's wall time; the buckets refill on a monotonic clock)
    app.trading_limits = rate_limits.TradingLimits(tier_of, service.wall_ms) if on else None


def build_app(
    service: Service,
    master_secret: bytes,
    admin_token: str,
    fault_rules: Faults | None = None,
    *,
    with_metrics: bool = True,
    access_log: bool = False,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> OpenClobApp:
    """The Starlette app serving the Polymarket CLOB API on top of `service`, with `fault_rules` in force
    (default: none, with a random seed), GET /metrics if `with_metrics`, and one log line a request if
    `access_log`. `on_startup` runs as the recovery starts, `on_shutdown` first thing at shutdown (the edge
    processes of `--workers N` start and stop there)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        recovery = asyncio.create_task(_start(service), name="openclob-recovery")
        socket_faults.start()
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook()
            if not recovery.done():
                recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
            await app.state.replays.close()
            await app.state.simulations.close()
            await service.stop()

    app = OpenClobApp(
        # Starlette tries routes in order: the trading routes, the hot path, come first.
        routes=[
            *trading.ROUTES,
            *public.ROUTES,
            *keys.ROUTES,
            *account.ROUTES,
            *admin.ROUTES,
            *events.ROUTES,
            *admin_reads.ROUTES,
            *faults.ROUTES,
            *replays.ROUTES,
            *rate_limit_tiers.ROUTES,
            *clock.ROUTES,
            *simulations.ROUTES,
            *market_data.ROUTES,
            *markets.ROUTES,
            *clob_markets.ROUTES,
            *builders.ROUTES,
            *gamma.ROUTES,
            *data_api.ROUTES,
            *openapi.ROUTES,
            *console.ROUTES,
            *(metrics.ROUTES if with_metrics else []),
            *WS_ROUTES,
        ],
        exception_handlers=dict(ERROR_HANDLERS),
        lifespan=lifespan,
    )
    app.hot_routes = _hot_routes(trading.ROUTES)
    app.service = service
    app.load = Load()
    _rate_limits(app, service)
    app.state.service = service
    app.state.master_secret = master_secret
    app.state.admin_token = admin_token
    app.state.heartbeat_ids = {}
    if fault_rules is None:
        fault_rules = Faults(secrets.randbits(32), service.settings.limits.max_fault_rules)
    app.faults = fault_rules
    hub = Hub(service)
    hub.attach()
    app.state.hub = hub
    app.state.replays = Replays(service)
    app.state.simulations = Simulations(service)
    socket_faults = SocketFaults(hub, app.faults)
    app.state.socket_faults = socket_faults
    _observe(app, service, with_metrics, access_log)
    return app


def _observe(app: OpenClobApp, service: Service, with_metrics: bool, access_log: bool) -> None:
    """Count and time the requests and the sequencer's batches into a registry of this app's own, and log."""
    counted = None
    if with_metrics:
        counted = Metrics()
        counted.registry.register(metrics.StateCollector(app))
        service.metrics = counted
        app.state.metrics = counted
    if counted is not None or access_log:
        app.observer = RequestObserver(app.routes, counted, access_log)
