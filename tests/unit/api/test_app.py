"""api/app.py: the trading routes skip Starlette's middleware and router, and answer as they would through it."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from openclob.api import trading
from openclob.api.app import OpenClobApp, build_app
from openclob.api.errors import INTERNAL, UNAUTHORIZED
from openclob.config import Settings
from openclob.service import Service, ServiceUnavailable
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> OpenClobApp:
    """An app whose service is never started: the routes below answer before they need it."""
    built = build_app(Service(FakeStore(), Settings()), master_secret=b"x" * 32, admin_token="admin-token")
    assert isinstance(built, OpenClobApp)
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
