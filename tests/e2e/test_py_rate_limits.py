"""py-clob-client against `openclob serve --rate-limits polymarket`: headers, a 429 after a burst, tiers.

py-clob-client raises PolyApiException on a 429 (status_code 429, error_msg {"error": "Too Many Requests"}) and
keeps no response headers, so the headers are read from its own httpx client through a response hook.

The 429 comes from the cancel bucket: a DELETE /orders of 120 ids empties a Standard bucket (burst 120), and
the next one of 100 ids would need 1.25 s of refill (80 a second), far longer than the call takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from py_clob_client.clob_types import OrderArgs, RequestArgs
from py_clob_client.exceptions import PolyApiException
from py_clob_client.headers.headers import create_level_2_headers
from py_clob_client.http_helpers import helpers
from py_clob_client.order_builder.constants import BUY

from tests.e2e.clients import py_client
from tests.e2e.conftest import Server, start_server

RATE_LIMITS = ("--rate-limits", "polymarket")
TIER_PATH = "/v1/user/rate-limit-tier"


def _ids(count: int, seed: int) -> list[str]:
    """Well-formed ids of orders that do not exist: cancelling them costs tokens all the same."""
    return [f"0x{seed:032x}{n:032x}" for n in range(count)]


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "data", *RATE_LIMITS)
    try:
        yield server
    finally:
        server.stop()


def _last(answers: list[httpx.Response], method: str, path: str) -> httpx.Response:
    return next(r for r in reversed(answers) if (r.request.method, r.request.url.path) == (method, path))


def _limits(response: httpx.Response) -> dict[str, str]:
    names = ("poly-ratelimit-remaining", "poly-ratelimit-tier", "retry-after")
    return {name: response.headers[name] for name in names if name in response.headers}


def _own_tier(client: Any) -> Any:
    headers = create_level_2_headers(client.signer, client.creds, RequestArgs(method="GET", request_path=TIER_PATH))
    return helpers.get(client.host + TIER_PATH, headers=headers)


def test_headers_a_429_after_a_burst_another_signer_and_a_tier_change(
    limited: Server, answers: list[httpx.Response]
) -> None:
    market = limited.create_market()
    yes = market["tokens"][0]["token_id"]
    alice, a = py_client(limited)
    bob, _ = py_client(limited)
    limited.deposit(a.address, "100")

    placed = alice.create_and_post_order(OrderArgs(token_id=yes, price=0.4, size=10, side=BUY))
    assert placed["success"] is True
    answer = _last(answers, "POST", "/order")
    assert _limits(answer) == {"poly-ratelimit-remaining": "59", "poly-ratelimit-tier": "standard"}
    assert int(answer.headers["poly-ratelimit-reset"]) > 1_700_000_000  # unix seconds

    assert alice.cancel_orders(_ids(120, 1))["canceled"] == []  # the whole cancel burst
    with pytest.raises(PolyApiException) as refused:
        alice.cancel_orders([*_ids(99, 2), placed["orderID"]])
    assert (refused.value.status_code, refused.value.error_msg) == (429, {"error": "Too Many Requests"})
    answer = _last(answers, "DELETE", "/orders")
    assert answer.headers["poly-ratelimit-tier"] == "standard" and int(answer.headers["retry-after"]) >= 1
    assert int(answer.headers["poly-ratelimit-remaining"]) < 100
    assert [o["id"] for o in alice.get_orders()] == [placed["orderID"]]  # the refused batch cancelled nothing

    assert bob.cancel_orders(_ids(100, 3))["canceled"] == []  # another signer: its own full bucket
    assert _limits(_last(answers, "DELETE", "/orders")) == {
        "poly-ratelimit-remaining": "20",
        "poly-ratelimit-tier": "standard",
    }

    assert _own_tier(alice)["tier"] == "standard"
    assert limited.admin("PUT", f"/admin/rate-limit-tiers/{a.address}", {"tier": "elite"})["tier"] == "elite"
    assert alice.cancel_orders(_ids(100, 4))["canceled"] == []  # at once: a full Elite bucket of 1,800
    assert _limits(_last(answers, "DELETE", "/orders")) == {
        "poly-ratelimit-remaining": "1700",
        "poly-ratelimit-tier": "elite",
    }
    own = _own_tier(alice)
    assert (own["tier"], own["period"], own["tier_details"]["cancel_burst"]) == ("elite", 30, 1_800)


def test_a_tier_survives_a_restart(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", *RATE_LIMITS)
    try:
        _, a = py_client(server)
        server.admin("PUT", f"/admin/rate-limit-tiers/{a.address}", {"tier": "gold"})
    finally:
        server.stop()
    server = start_server(tmp_path / "data", *RATE_LIMITS)
    try:
        assert server.admin("GET", f"/admin/rate-limit-tiers/{a.address}") == {
            "address": a.address.lower(),
            "tier": "gold",
        }
        assert _own_tier(py_client(server, a)[0])["tier"] == "gold"
    finally:
        server.stop()
