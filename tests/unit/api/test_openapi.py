"""api/openapi.py: GET /openapi.json describes every route of the app, with the auth each one really checks."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from openclob.api import account, openapi, trading
from openclob.api.operations import OPERATIONS
from openclob.api.orders import SendOrder, WireOrder
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.service import Service
from tests.unit.api.conftest import CONDITION, YES, Env, FakeStore

pytestmark = pytest.mark.anyio

L2_HEADERS = {"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE"}
L1_HEADERS = {"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE"}
PATH_VALUES = {
    "order_id": "0x" + "ab" * 32,
    "condition_id": CONDITION,
    "token_id": YES,
    "builder_code": "0x" + "12" * 32,
    "address": "0x" + "ad" * 20,
    "id": "1",
    "event_id": "1",
    "slug": "will-it-rain",
    "name": "app.js",
    "sim_id": "1",
}
"""A well-formed value of each path parameter."""


@pytest.fixture
def app() -> Starlette:
    """An app whose service is never started: enough to list routes and serve the document."""
    return build_app(Service(FakeStore(), Settings()), master_secret=b"x" * 32, admin_token="admin-token")


async def fetch(app: Starlette) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def http_routes(app: Starlette) -> list[Route]:
    return [route for route in app.routes if isinstance(route, Route)]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A component schema by its `$ref`."""
    name = schema["$ref"].rpartition("/")[2]
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def header_names(document: dict[str, Any], requirement: dict[str, list[str]]) -> set[str]:
    schemes = document["components"]["securitySchemes"]
    return {schemes[name]["name"] for name in requirement}


async def test_document_is_valid_openapi_3_1_served_without_credentials(env: Env) -> None:
    response = await env.client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_every_http_route_is_in_the_document_with_its_methods(app: Starlette) -> None:
    paths = (await fetch(app))["paths"]
    for route in http_routes(app):
        methods = {method.lower() for method in route.methods or ()} - {"head"}
        assert route.path in paths, route.path
        assert methods <= set(paths[route.path]), (route.path, methods)
    documented = {(path, method) for path, item in paths.items() for method in item}
    served = {(r.path, m.lower()) for r in http_routes(app) for m in r.methods or () if m != "HEAD"}
    assert documented == served


def test_every_route_handler_has_an_entry_in_the_operations_table(app: Starlette) -> None:
    handlers = {route.endpoint for route in http_routes(app)} - {openapi.openapi_json}
    missing = sorted(h.__qualname__ for h in handlers - set(OPERATIONS))
    stale = sorted(h.__qualname__ for h in set(OPERATIONS) - handlers)
    assert (missing, stale) == ([], [])


async def test_websocket_routes_are_named_in_the_description(app: Starlette) -> None:
    description = (await fetch(app))["info"]["description"]
    sockets = [route.path for route in app.routes if isinstance(route, WebSocketRoute)]
    assert sockets
    assert all(path in description for path in sockets)


async def test_operation_ids_are_unique(app: Starlette) -> None:
    paths = (await fetch(app))["paths"]
    ids = [operation["operationId"] for item in paths.values() for operation in item.values()]
    assert len(ids) == len(set(ids))


async def test_post_order_body_is_the_send_order_struct_with_all_its_fields(app: Starlette) -> None:
    document = await fetch(app)
    body = document["paths"]["/order"]["post"]["requestBody"]
    assert body["required"] is True
    send = resolve(document, body["content"]["application/json"]["schema"])
    assert list(send["properties"]) == [field.name for field in msgspec.structs.fields(SendOrder)]
    assert set(send["required"]) == {"order", "owner"}
    assert sorted(send["properties"]["orderType"]["enum"]) == ["FAK", "FOK", "GTC", "GTD"]
    order = resolve(document, send["properties"]["order"])
    assert list(order["properties"]) == [field.name for field in msgspec.structs.fields(WireOrder)]
    batch = document["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert batch == {"type": "array", "items": body["content"]["application/json"]["schema"]}


async def test_private_struct_names_are_published_without_the_underscore(app: Starlette) -> None:
    document = await fetch(app)
    schemas = document["components"]["schemas"]
    assert "CancelMarket" in schemas and "_CancelMarket" not in schemas
    assert schemas["CancelMarket"]["title"] == "CancelMarket"
    assert not [name for name in schemas if name.startswith("_")]
    assert "_" + "Cancel" not in msgspec.json.encode(document).decode()


async def test_trading_and_account_routes_declare_the_l2_headers(app: Starlette) -> None:
    document = await fetch(app)
    for route in [*trading.ROUTES, *account.ROUTES]:
        assert isinstance(route, Route)
        for method in (route.methods or set()) - {"HEAD"}:
            security = document["paths"][route.path][method.lower()]["security"]
            assert L2_HEADERS in [header_names(document, requirement) for requirement in security], route.path


async def test_key_creation_declares_the_l1_headers_and_admin_the_bearer_token(app: Starlette) -> None:
    document = await fetch(app)
    paths = document["paths"]
    for path, method in [("/auth/api-key", "post"), ("/auth/derive-api-key", "get")]:
        assert [header_names(document, r) for r in paths[path][method]["security"]] == [L1_HEADERS]
    (admin,) = paths["/admin/markets"]["post"]["security"]
    assert [document["components"]["securitySchemes"][name] for name in admin] == [
        {"type": "http", "scheme": "bearer", "description": "The operator's admin token."}
    ]
    assert "security" not in paths["/book"]["get"]
    assert "security" not in paths["/openapi.json"]["get"]


async def test_routes_refuse_a_request_without_credentials_exactly_when_the_document_says_they_need_some(
    market_env: Env,
) -> None:
    document = (await market_env.client.get("/openapi.json")).json()
    for template, item in document["paths"].items():
        path = template.format(**PATH_VALUES)
        for method, operation in item.items():
            response = await market_env.client.request(method.upper(), path)
            needs_credentials = bool(operation.get("security"))
            assert (response.status_code == 401) == needs_credentials, (method, template, response.status_code)


async def test_the_document_is_built_once_per_app(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    build = openapi.document

    def counting(routes: Any) -> dict[str, Any]:
        builds.append(1)
        return build(routes)

    monkeypatch.setattr(openapi, "document", counting)
    first, second = await fetch(app), await fetch(app)
    assert first == second
    assert len(builds) == 1


def test_openapi_json_is_routed_after_the_trading_routes(app: Starlette) -> None:
    paths = [getattr(route, "path", "") for route in app.routes]
    trading_paths = {route.path for route in trading.ROUTES if isinstance(route, Route)}
    assert max(i for i, p in enumerate(paths) if p in trading_paths) < paths.index("/openapi.json")


async def test_metrics_are_documented_as_public_prometheus_text(app: Starlette) -> None:
    operation = (await fetch(app))["paths"]["/metrics"]["get"]
    assert "security" not in operation
    content = operation["responses"]["200"]["content"]
    assert content == {"text/plain; version=0.0.4; charset=utf-8": {"schema": {"type": "string"}}}
