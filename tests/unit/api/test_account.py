"""Account routes refuse hostile numbers and filters with their documented 400, and the exchange writes on.

Each refusal is followed by `Stored.keeps_working`: a write succeeds, and the exchange restarts on the same
store and writes again (a value the store cannot hold would have failed the sequencer's batch instead).
"""

from __future__ import annotations

import base64

import pytest

from tests.unit.api.conftest import Stored

pytestmark = pytest.mark.anyio

SUPERSCRIPT_TWO = "²"
"""`str.isdigit()` is true for it, and `int()` refuses it."""
PAST_INT_DIGITS = "1" * 5_000
"""More digits than `int()` converts (4,300)."""


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_drop_notifications_with_an_id_past_int64_is_refused_and_the_exchange_writes_on(stored: Stored) -> None:
    for ids in ("9223372036854775808", "1,9223372036854775808", SUPERSCRIPT_TWO, PAST_INT_DIGITS, "-1", "1_0"):
        headers = stored.l2("DELETE", "/notifications")
        response = await stored.client.delete("/notifications", params={"ids": ids}, headers=headers)
        assert (response.status_code, response.json()) == (400, {"error": "Invalid notification ids"}), ids
    await stored.keeps_working()


async def test_drop_notifications_up_to_int64_is_accepted(stored: Stored) -> None:
    headers = stored.l2("DELETE", "/notifications")
    response = await stored.client.delete("/notifications", params={"ids": "1,9223372036854775807"}, headers=headers)
    assert (response.status_code, response.json()) == (200, "OK")
    await stored.keeps_working()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/data/orders", "invalid order params payload"),
        ("/data/trades", "Invalid trade params payload"),
        ("/data/pre-migration-orders", "invalid order params payload"),
    ],
)
@pytest.mark.parametrize(
    "cursor",
    [_cursor(SUPERSCRIPT_TWO), _cursor("9223372036854775808"), _cursor(PAST_INT_DIGITS), _cursor("١٢"), "x" * 5_000],
)
async def test_a_cursor_that_is_not_a_position_is_refused(stored: Stored, path: str, message: str, cursor: str) -> None:
    response = await stored.client.get(path, params={"next_cursor": cursor}, headers=stored.l2("GET", path))
    assert (response.status_code, response.json()) == (400, {"error": message})
    await stored.keeps_working()


@pytest.mark.parametrize("name", ["before", "after"])
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, PAST_INT_DIGITS, "9223372036854775808", "-1", " 1"])
async def test_trades_before_or_after_that_is_not_unix_seconds_is_refused(
    stored: Stored, name: str, value: str
) -> None:
    headers = stored.l2("GET", "/data/trades")
    response = await stored.client.get("/data/trades", params={name: value}, headers=headers)
    assert (response.status_code, response.json()) == (400, {"error": "Invalid trade params payload"})
    await stored.keeps_working()


@pytest.mark.parametrize(
    ("path", "name", "message"),
    [
        ("/data/trades", "market", "Invalid trade params payload"),
        ("/data/trades", "asset_id", "Invalid trade params payload"),
        ("/data/trades", "id", "Invalid trade params payload"),
        ("/data/trades", "maker_address", "Invalid trade params payload"),
        ("/data/orders", "market", "invalid order params payload"),
        ("/data/orders", "asset_id", "invalid order params payload"),
        ("/data/orders", "id", "invalid order params payload"),
    ],
)
async def test_a_filter_of_the_wrong_shape_is_refused_before_it_reaches_the_store(
    stored: Stored, path: str, name: str, message: str
) -> None:
    # NUL is what PostgreSQL cannot compare: it failed the read with a 500
    response = await stored.client.get(path, params={name: "1\x00"}, headers=stored.l2("GET", path))
    assert (response.status_code, response.json()) == (400, {"error": message})
    await stored.keeps_working()


async def test_filters_of_the_right_shape_are_accepted(stored: Stored) -> None:
    params = {
        "market": stored.condition_id.upper().replace("0X", "0x"),
        "asset_id": "5551",
        "id": "00000000-0000-0000-0000-000000000001",
        "maker_address": stored.address,
        "before": "9999999999",
        "after": "0",
    }
    response = await stored.client.get("/data/trades", params=params, headers=stored.l2("GET", "/data/trades"))
    assert (response.status_code, response.json()["data"]) == (200, [])


async def test_a_heartbeat_nested_50000_deep_is_refused_and_the_exchange_writes_on(stored: Stored) -> None:
    # under a field the body's Struct does not name, which msgspec skips by walking it: RecursionError
    body = b'{"heartbeat_id": null, "extra":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = await stored.client.post(
        "/v1/heartbeats", content=body, headers=stored.l2("POST", "/v1/heartbeats", body)
    )
    assert (response.status_code, response.json()) == (400, {"error": "Invalid heartbeat payload"})
    await stored.keeps_working()
