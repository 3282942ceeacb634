"""api/app.py: the service's gate (425 while recovering, 503 when halted), requests whose client left, and the
trading routes, which skip Starlette's middleware and router and answer as they would through it."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from openclob.api import trading
from openclob.api.app import OpenClobApp
from openclob.api.errors import INTERNAL, NOT_READY, UNAUTHORIZED
from openclob.api.forward import Forwarder
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.service import Service, ServiceUnavailable, Status
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio


def _app(settings: Settings | None = None) -> OpenClobApp:
    built = build_app(Service(FakeStore(), settings or Settings()), master_secret=b"x" * 32, admin_token="admin-token")
    assert isinstance(built, OpenClobApp)
    return built


@pytest.fixture
def app() -> OpenClobApp:
    """An app whose service is never started but says it is ready: the routes below answer before they need it."""
    built = _app()
    built.service.status = Status.READY
    return built


async def _request(app: OpenClobApp, method: str, path: str, body: bytes = b"{}") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await client.request(method, path, content=body)


def test_every_trading_route_is_on_the_hot_path(app: OpenClobApp) -> None:
    expected = {(method, route.path) for route in trading.ROUTES for method in route.methods or ()}
    assert set(app.hot_routes) == expected
    assert ("POST", "/order") in expected and ("DELETE", "/cancel-market-orders") in expected


async def test_a_hot_route_answers_an_api_error_as_starlette_would(app: OpenClobApp) -> None:
    hot = await _request(app, "POST", "/order")
    routed = await _request(app, "GET", "/data/orders")  # an L2 route through Starlette's router
    assert (hot.status_code, hot.json()) == (routed.status_code, routed.json()) == (401, {"error": UNAUTHORIZED})


@pytest.mark.parametrize("error", [RuntimeError("boom"), ServiceUnavailable("store down")])
async def test_a_hot_route_that_fails_answers_500_internal_server_error(app: OpenClobApp, error: Exception) -> None:
    async def failing(request: Request) -> Response:
        raise error

    app.hot_routes[("POST", "/order")] = failing
    response = await _request(app, "POST", "/order")
    assert (response.status_code, response.json()) == (500, {"error": INTERNAL})


async def test_other_methods_on_a_hot_path_still_go_through_the_router(app: OpenClobApp) -> None:
    response = await _request(app, "GET", "/order")
    assert response.status_code == 405


async def test_while_the_service_recovers_every_route_answers_425_with_retry_after() -> None:
    app = _app()  # a new service is RECOVERING until start() returns
    for method, path in (("POST", "/order"), ("GET", "/book"), ("GET", "/time"), ("GET", "/ok"), ("GET", "/ready")):
        response = await _request(app, method, path)
        assert response.status_code == 425, (method, path)
        assert response.json()["error"] == NOT_READY
        assert response.headers["retry-after"] == "1"
    assert (await _request(app, "GET", "/ok")).json()["status"] == "recovering"


async def test_a_halted_service_answers_503_and_health_gives_the_reason() -> None:
    app = _app()
    app.service.status, app.service.failure = Status.HALTED, "the store cannot be read back after a failed batch"
    assert (await _request(app, "POST", "/order")).status_code == 503
    health = await _request(app, "GET", "/ok")
    assert health.status_code == 503
    assert health.json()["status"] == "halted"
    assert health.json()["reason"] == "the store cannot be read back after a failed batch"


async def test_health_says_503_when_the_sequencer_task_is_not_running(app: OpenClobApp) -> None:
    # READY but never started: no sequencer task, so nothing would be applied
    response = await _request(app, "GET", "/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "ready"


class _GoneCycle:
    """Stands for uvicorn's request cycle of a connection that closed before the app took the request up."""

    disconnected = True

    async def receive(self) -> dict[str, object]:
        return {"type": "http.disconnect"}


async def test_a_request_whose_client_left_before_the_app_took_it_up_is_dropped_unanswered(app: OpenClobApp) -> None:
    handled: list[bool] = []

    async def endpoint(request: Request) -> Response:
        handled.append(True)
        return Response("done")

    app.hot_routes[("POST", "/order")] = endpoint
    sent: list[object] = []

    async def send(message: object) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/order", "headers": [], "query_string": b""}
    await app(scope, _GoneCycle().receive, send)
    assert (handled, sent) == ([], [])


async def test_at_an_edge_a_request_signed_with_a_key_it_does_not_know_syncs_first(app: OpenClobApp) -> None:
    synced: list[str] = []

    class Syncing(Service):
        @property
        def ahead_of_store(self) -> bool:
            return True  # as at an edge of --workers N

        async def durable(self) -> None:
            synced.append("sync")

    service = Syncing(FakeStore(), Settings())
    service.status = Status.READY
    app.service = service
    app.forward = Forwarder("/nonexistent.sock", 1_000)  # (an edge: it forwards the sequencer's routes)
    try:
        for key in ("unknown-key", ""):
            headers = {"POLY_API_KEY": key} if key else {}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
                assert (await c.post("/order", content=b"{}", headers=headers)).status_code == 401
        assert synced == ["sync"]  # the unknown key only; an unsigned request has nothing to wait for
    finally:
        await app.forward.close()
