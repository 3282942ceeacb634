"""GET /metrics: the server's Prometheus metrics, and the figures read only when it is scraped.

Public, like /ok and /ready: Prometheus scrapes without credentials, and nothing here names a user (no address,
key or id is a label). An operator who would rather not show it turns it off with `openclob serve --metrics off`
(then /metrics is 404). It is answered while the exchange recovers (the app's gate lets it through), so a
dashboard sees a restart as it happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.faults import HTTP_KINDS, KEY_KINDS, SOCKET_KINDS
from openclob.metrics import CONTENT_TYPE, Family, Metrics, families, render_merged
from openclob.service import Status

if TYPE_CHECKING:
    from openclob.api.app import OpenClobApp

CHANNELS = ("market", "user")
FAULT_KINDS = tuple(sorted({*HTTP_KINDS, *KEY_KINDS, *SOCKET_KINDS}))


async def metrics(request: Request) -> Response:
    """GET /metrics: every metric of this server in the Prometheus text format (public; `--metrics off`: 404).

    Under `--workers N` the edges forward it to the sequencer's process, which adds up every process's figures
    (`edge_metrics`: the edges' families, asked over the link)."""
    registry: Metrics = request.app.state.metrics
    gather = getattr(request.app.state, "edge_metrics", None)
    if gather is None:
        return Response(registry.render(), media_type=CONTENT_TYPE)
    edges: list[list[Family]] = await gather()
    return Response(render_merged(families(registry.registry), edges), media_type=CONTENT_TYPE)


class StateCollector(Collector):
    """What the app keeps anyway, read at scrape time: nothing is counted twice on the hot path."""

    def __init__(self, app: OpenClobApp) -> None:
        self._app = app

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        """The current figures (called by the registry on each scrape)."""
        app = self._app
        service, load, hub = app.service, app.load, app.state.hub
        status = GaugeMetricFamily(
            "openclob_service_status", "1 for the service's current status (recovering, ready, halted, stopping)",
            labels=("status",),
        )  # fmt: skip
        for each in Status:
            status.add_metric((each.value,), 1.0 if service.status is each else 0.0)
        yield status
        yield GaugeMetricFamily(
            "openclob_journal_sequence", "The journal sequence of the last command applied", value=service.sequence
        )
        yield GaugeMetricFamily(
            "openclob_sequencer_queue_depth", "Submissions waiting for the sequencer", value=service.queued_commands
        )
        yield GaugeMetricFamily(
            "openclob_http_requests_in_flight", "HTTP requests handed to the app and not yet answered",
            value=load.inflight,
        )  # fmt: skip
        yield CounterMetricFamily(
            "openclob_http_requests_shed", "HTTP requests answered 503 by the protocol past --max-inflight",
            value=load.shed,
        )  # fmt: skip
        sockets = GaugeMetricFamily("openclob_ws_connections", "Open WebSocket connections", labels=("channel",))
        opened = dict.fromkeys(CHANNELS, 0)
        for subscriber in hub.sockets:
            opened[subscriber.channel] = opened.get(subscriber.channel, 0) + 1
        for channel, count in opened.items():
            sockets.add_metric((channel,), count)
        yield sockets
        slow = CounterMetricFamily(
            "openclob_ws_slow_closed", "WebSockets closed as too slow (their queue overflowed)", labels=("channel",)
        )
        for channel in CHANNELS:
            slow.add_metric((channel,), hub.slow_closed.get(channel, 0))
        yield slow
        yield CounterMetricFamily(
            "openclob_ws_deliveries", "Events queued to WebSockets (one event to one socket)", value=hub.deliveries
        )
        fired = CounterMetricFamily("openclob_fault_rules_fired", "Fault rules fired, by kind", labels=("kind",))
        for kind in FAULT_KINDS:
            fired.add_metric((kind,), app.faults.fired.get(kind, 0))
        yield fired
        yield GaugeMetricFamily("openclob_fault_rules", "Fault rules in force", value=len(app.faults.rules()))
        refused = CounterMetricFamily(
            "openclob_rate_limit_rejections", "Requests refused 429 by --rate-limits polymarket: per IP (the"
            " throttle) or per signer (the trading buckets)", labels=("limit",),
        )  # fmt: skip
        refused.add_metric(("ip",), app.throttle.refused if app.throttle is not None else 0)
        refused.add_metric(("trading",), app.trading_limits.refused if app.trading_limits is not None else 0)
        yield refused


ROUTES = [Route("/metrics", metrics, methods=["GET"])]
