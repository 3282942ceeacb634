"""/builder/trades refuses cursors and times that are not numbers in range with `Invalid trade params payload`."""

from __future__ import annotations

import base64

import pytest

from tests.unit.api.conftest import Env

pytestmark = pytest.mark.anyio

CODE = "0x" + "b0" * 32


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("before", "²"),
        ("after", "1" * 5_000),
        ("before", "9223372036854775808"),
        ("next_cursor", base64.b64encode("²".encode()).decode()),
        ("next_cursor", base64.b64encode(b"9223372036854775808").decode()),
        ("market", "0x\x00"),
        ("maker_address", "nobody"),
    ],
)
async def test_a_parameter_out_of_shape_or_range_is_refused(env: Env, name: str, value: str) -> None:
    response = await env.client.get("/builder/trades", params={"builder_code": CODE, name: value})
    assert (response.status_code, response.json()) == (400, {"error": "Invalid trade params payload"})
