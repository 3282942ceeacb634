"""api/observe.py: with `--access-log`, one line a request with its route template, status, latency and the
POLY_ADDRESS it came with, and nothing else of its headers; without it, none."""

from __future__ import annotations

import logging

import httpx
import pytest

from openclob.api.observe import RouteNames
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.service import Service, Status
from tests.unit.api.conftest import FakeStore

pytestmark = pytest.mark.anyio

ADDRESS = "0x" + "AB" * 20


async def _requests(access_log: bool) -> None:
    app = build_app(Service(FakeStore(), Settings()), b"x" * 32, "admin-token", access_log=access_log)
    app.service.status = Status.READY
    headers = {"POLY_ADDRESS": ADDRESS, "POLY_SIGNATURE": "sig-value", "POLY_PASSPHRASE": "passphrase-value"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await client.post("/order", content=b"{}", headers=headers)
        await client.get("/data/order/0x12")
        await client.get("/a%0Aforged line")


async def test_each_request_is_one_line_with_its_route_status_latency_and_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="openclob.access")
    await _requests(access_log=True)
    records = [r for r in caplog.records if r.name == "openclob.access"]
    fields = [r.fields for r in records]  # type: ignore[attr-defined]
    assert [(f["method"], f["route"], f["status"]) for f in fields] == [
        ("POST", "/order", 401),
        ("GET", "/data/order/{order_id}", 401),
        ("GET", "unmatched", 404),
    ]
    assert fields[0]["address"] == ADDRESS.lower() and "address" not in fields[1]
    assert all(f["latency_ms"] >= 0 and f["client"] for f in fields)
    assert fields[2]["path"] == "/a\\nforged line" and "\n" not in records[2].getMessage()
    text = caplog.text
    assert "sig-value" not in text and "passphrase-value" not in text


async def test_without_the_access_log_no_request_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await _requests(access_log=False)
    assert not [r for r in caplog.records if r.name == "openclob.access"]


def test_a_route_is_named_by_its_template_and_a_path_no_route_serves_is_unmatched() -> None:
    app = build_app(Service(FakeStore(), Settings()), b"x" * 32, "admin-token")
    names = RouteNames(app.routes)
    assert names.name("/order") == "/order"
    assert names.name("/admin/markets/0xabc/resolve") == "/admin/markets/{condition_id}/resolve"
    assert names.name("/nothing/here") == "unmatched"
