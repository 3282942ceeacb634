"""api/faults.py: the admin routes of fault rules, and what each HTTP kind does to a request, in process.

In process (httpx.ASGITransport) there is no connection to close: `drop` and `timeout_after_apply` raise
ConnectionDropped to the client instead (the end-to-end tests show what the official clients see).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from eth_account import Account

from openclob.api import faults as api_faults
from openclob.api.errors import INTERNAL, NOT_READY, TOO_MANY_REQUESTS, UNAUTHORIZED
from openclob.api.faults import BLOCK_PAGE, TRADING_DISABLED, ConnectionDropped
from openclob.crypto import build_hmac_signature, clob_auth_digest
from tests.unit.api.conftest import Env

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer admin-token"}
WALLET_KEY = "0x" + "3c" * 32
ADDRESS = str(Account.from_key(WALLET_KEY).address).lower()


async def _add(env: Env, **rule: Any) -> httpx.Response:
    return await env.client.post("/admin/faults", content=json.dumps(rule), headers=ADMIN)


def _l1(env: Env) -> dict[str, str]:
    timestamp = str(env.clock.now_ms // 1000)
    digest = clob_auth_digest(address=ADDRESS, timestamp=timestamp, nonce=0, chain_id=137)
    signature = "0x" + Account.unsafe_sign_hash(digest, WALLET_KEY).signature.hex().removeprefix("0x")
    return {"POLY_ADDRESS": ADDRESS, "POLY_SIGNATURE": signature, "POLY_TIMESTAMP": timestamp}


def _l2(env: Env, creds: dict[str, str], method: str, path: str) -> dict[str, str]:
    timestamp = str(env.clock.now_ms // 1000)
    return {
        "POLY_ADDRESS": ADDRESS,
        "POLY_API_KEY": creds["apiKey"],
        "POLY_PASSPHRASE": creds["passphrase"],
        "POLY_TIMESTAMP": timestamp,
        "POLY_SIGNATURE": build_hmac_signature(creds["secret"], timestamp, method, path, b""),
    }


async def _create_key(env: Env) -> dict[str, str]:
    response = await env.client.post("/auth/api-key", headers=_l1(env))
    assert response.status_code == 200, response.text
    creds: dict[str, str] = response.json()
    return creds


# ---------------------------------------------------------------- admin routes


async def test_a_rule_is_answered_with_its_id_and_listed_with_what_it_has_left(env: Env) -> None:
    added = await _add(env, kind="status", status=425, method="post", path="/order", count=3)
    assert added.status_code == 200
    rule = {"id": 1, "kind": "status", "method": "POST", "path": "/order", "count": 3, "status": 425, "fired": 0}
    assert added.json() == rule | {"left": 3}
    await env.client.post("/order")
    listed = await env.client.get("/admin/faults", headers=ADMIN)
    assert listed.json() == [rule | {"fired": 1, "left": 2}]


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ({"kind": "status"}, "status is required for kind status"),
        ({"kind": "status", "status": 99}, "`int` >= 400 - at `$.status`"),
        ({"kind": "delay", "delay_ms": 5, "channel": "market"}, "channel does not apply to kind delay"),
        ({"kind": "drop", "path": "/admin/faults"}, "never faulted"),
        ({"kind": "drop", "speed": 1}, "unknown field `speed`"),
        ({"kind": "drop", "probability": "half"}, "at `$.probability`"),
    ],
)
async def test_a_malformed_rule_gets_400_naming_the_field_and_nothing_is_added(
    env: Env, rule: dict[str, Any], named: str
) -> None:
    response = await _add(env, **rule)
    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid fault rule") and named in response.json()["error"]
    assert (await env.client.get("/admin/faults", headers=ADMIN)).json() == []


async def test_the_fault_routes_need_the_admin_token(env: Env) -> None:
    for method, path in (("POST", "/admin/faults"), ("GET", "/admin/faults"), ("DELETE", "/admin/faults/1")):
        response = await env.client.request(method, path, content=b'{"kind": "drop"}')
        assert response.status_code == 401
    assert (await env.client.get("/admin/faults", headers=ADMIN)).json() == []


async def test_one_rule_or_all_rules_are_removed(env: Env) -> None:
    for path in ("/a", "/b", "/c"):
        await _add(env, kind="drop", path=path)
    removed = await env.client.delete("/admin/faults/2", headers=ADMIN)
    assert (removed.status_code, removed.json()["path"]) == (200, "/b")
    for unknown in ("2", "99", "x", "9" * 30):
        missing = await env.client.delete(f"/admin/faults/{unknown}", headers=ADMIN)
        assert (missing.status_code, missing.json()) == (404, {"error": "fault rule not found"})
    cleared = await env.client.delete("/admin/faults", headers=ADMIN)
    assert [rule["path"] for rule in cleared.json()] == ["/a", "/c"]
    assert (await env.client.get("/time")).status_code == 200


# ---------------------------------------------------------------- the HTTP kinds


@pytest.mark.parametrize(
    ("status", "body", "retry_after"),
    [
        (425, {"error": NOT_READY}, "1"),
        (429, {"error": TOO_MANY_REQUESTS}, "1"),
        (500, {"error": INTERNAL}, None),
        (503, {"error": TRADING_DISABLED}, None),
        (502, {"error": "Bad Gateway"}, None),
    ],
)
async def test_a_status_rule_answers_polymarkets_body_for_that_status(
    env: Env, status: int, body: dict[str, str], retry_after: str | None
) -> None:
    await _add(env, kind="status", status=status, path="/order")
    response = await env.client.post("/order", content=b"{}")  # a hot route: it is faulted too
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers.get("retry-after") == retry_after


async def test_a_403_rule_answers_a_cloudflare_like_html_block_page(env: Env) -> None:
    await _add(env, kind="status", status=403)
    response = await env.client.get("/book", params={"token_id": "1"})
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
    assert response.text == BLOCK_PAGE and "<title>Attention Required! | Cloudflare</title>" in response.text


async def test_a_status_rule_with_a_body_answers_that_body(env: Env) -> None:
    await _add(env, kind="status", status=429, body={"error": "slow down", "code": 7})
    response = await env.client.get("/time")
    assert (response.status_code, response.json()) == (429, {"error": "slow down", "code": 7})
    assert response.headers["retry-after"] == "1"


async def test_a_status_rule_does_not_process_the_request(env: Env) -> None:
    await _add(env, kind="status", status=500, path="/auth/api-key", method="POST")
    assert (await env.client.post("/auth/api-key", headers=_l1(env))).status_code == 500
    assert (await env.client.get("/auth/derive-api-key", headers=_l1(env))).status_code == 400  # never created


async def test_admin_ready_and_the_document_are_never_faulted_and_the_health_check_is(env: Env) -> None:
    await _add(env, kind="status", status=503, path="/*")
    for path in ("/admin/faults", "/admin/trading-mode"):
        assert (await env.client.get(path, headers=ADMIN)).status_code == 200
    assert (await env.client.get("/ready")).status_code == 200
    assert (await env.client.get("/openapi.json")).status_code == 200
    assert (await env.client.get("/ok")).status_code == 503
    assert (await env.client.get("/")).status_code == 503


async def test_a_rule_matches_the_requests_poly_address(env: Env) -> None:
    await _add(env, kind="status", status=425, address=ADDRESS.upper().replace("0X", "0x"))
    other = {"POLY_ADDRESS": "0x" + "00" * 20}
    assert (await env.client.get("/time", headers={"POLY_ADDRESS": ADDRESS})).status_code == 425
    assert (await env.client.get("/time", headers=other)).status_code == 200
    assert (await env.client.get("/time")).status_code == 200


async def test_a_rule_with_a_count_stops_firing(env: Env) -> None:
    await _add(env, kind="status", status=425, path="/time", count=2)
    statuses = [(await env.client.get("/time")).status_code for _ in range(4)]
    assert statuses == [425, 425, 200, 200]
    assert (await env.client.get("/admin/faults", headers=ADMIN)).json() == []


async def test_a_delay_rule_waits_then_processes_the_request(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(api_faults.asyncio, "sleep", sleep)
    await _add(env, kind="delay", delay_ms=1_500, path="/auth/api-key")
    assert (await env.client.post("/auth/api-key", headers=_l1(env))).status_code == 200
    assert waits == [1.5]
    assert (await env.client.get("/auth/derive-api-key", headers=_l1(env))).status_code == 200


async def test_a_drop_rule_closes_the_connection_without_processing_the_request(env: Env) -> None:
    await _add(env, kind="drop", path="/auth/api-key")
    with pytest.raises(ConnectionDropped):
        await env.client.post("/auth/api-key", headers=_l1(env))
    assert (await env.client.get("/auth/derive-api-key", headers=_l1(env))).status_code == 400  # never created


async def test_timeout_after_apply_makes_the_request_durable_then_closes_without_an_answer(env: Env) -> None:
    await _add(env, kind="timeout_after_apply", path="/auth/api-key")
    written = len(env.store.batches)
    with pytest.raises(ConnectionDropped):
        await env.client.post("/auth/api-key", headers=_l1(env))
    assert [len(batch.api_keys) for batch in env.store.batches[written:]] == [1]  # written to the store
    derived = await env.client.get("/auth/derive-api-key", headers=_l1(env))
    assert derived.status_code == 200 and derived.json()["apiKey"]


async def test_new_key_delay_refuses_a_new_key_until_it_is_old_enough_on_the_exchange_clock(env: Env) -> None:
    await _add(env, kind="new_key_delay", delay_ms=5_000)
    creds = await _create_key(env)
    refused = await env.client.get("/auth/api-keys", headers=_l2(env, creds, "GET", "/auth/api-keys"))
    assert (refused.status_code, refused.json()) == (401, {"error": UNAUTHORIZED})
    env.clock.now_ms += 5_000
    accepted = await env.client.get("/auth/api-keys", headers=_l2(env, creds, "GET", "/auth/api-keys"))
    assert accepted.status_code == 200 and accepted.json() == {"apiKeys": [creds["apiKey"]]}


async def test_new_key_delay_spares_keys_created_before_it(env: Env) -> None:
    creds = await _create_key(env)
    env.clock.now_ms += 1
    await _add(env, kind="new_key_delay", delay_ms=5_000)
    response = await env.client.get("/auth/api-keys", headers=_l2(env, creds, "GET", "/auth/api-keys"))
    assert response.status_code == 200
