"""Market listings refuse a cursor that is not a position with `Invalid next_cursor`."""

from __future__ import annotations

import base64

import pytest

from tests.unit.api.conftest import Env

pytestmark = pytest.mark.anyio


def _of(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "path", ["/markets", "/simplified-markets", "/sampling-markets", "/sampling-simplified-markets"]
)
@pytest.mark.parametrize("cursor", [_of("²"), _of("١"), _of("9223372036854775808"), _of("1" * 5_000), "y" * 5_000])
async def test_a_cursor_that_is_not_a_position_is_refused(env: Env, path: str, cursor: str) -> None:
    response = await env.client.get(path, params={"next_cursor": cursor})
    assert (response.status_code, response.json()) == (400, {"error": "Invalid next_cursor"})


async def test_the_largest_position_is_a_valid_cursor_past_every_market(env: Env) -> None:
    await env.list_market()
    response = await env.client.get("/markets", params={"next_cursor": _of(str(2**63 - 1))})
    assert (response.status_code, response.json()["data"]) == (200, [])
