"""api/rate_limit_tiers.py: a signer reads its tier as Polymarket answers it; the operator sets it, durably."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from openclob.assembly import build_app
from openclob.config import Settings
from openclob.crypto import build_hmac_signature
from openclob.service import Service
from openclob.store.records import ApiKeyRecord, RateLimitTierRecord
from tests.unit.api.conftest import ALICE, BOB, Env, FakeStore

pytestmark = pytest.mark.anyio

ADMIN = {"Authorization": "Bearer admin-token"}
SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="


def _key(env: Env) -> ApiKeyRecord:
    record = ApiKeyRecord(
        api_key=ALICE.owner,
        address=ALICE.address,
        nonce=0,
        secret=SECRET,
        passphrase="pass",
        readonly=False,
        created_at_ms=0,
    )
    env.service.edge.add_key(record)
    return record


async def _own_tier(env: Env, key: ApiKeyRecord) -> httpx.Response:
    timestamp = str(env.clock.now_ms // 1000)
    path = "/v1/user/rate-limit-tier"
    headers = {
        "POLY_ADDRESS": key.address,
        "POLY_API_KEY": key.api_key,
        "POLY_PASSPHRASE": key.passphrase,
        "POLY_TIMESTAMP": timestamp,
        "POLY_SIGNATURE": build_hmac_signature(key.secret, timestamp, "GET", path, b""),
    }
    return await env.client.get(path, headers=headers)


async def _put(env: Env, address: str, body: Any) -> httpx.Response:
    return await env.client.put(f"/admin/rate-limit-tiers/{address}", content=json.dumps(body), headers=ADMIN)


async def test_a_signer_without_a_tier_is_standard_with_the_volume_of_the_next_tier(env: Env) -> None:
    response = await _own_tier(env, _key(env))
    assert response.status_code == 200
    assert response.json() == {
        "tier": "standard",
        "period": 30,
        "tier_details": {
            "order_rate": 40,
            "order_burst": 60,
            "cancel_rate": 80,
            "cancel_burst": 120,
            "negative_balance": True,
        },
        "next_tier_threshold": 30_000,
    }


async def test_the_tier_the_operator_sets_is_answered_at_once_without_a_next_threshold(env: Env) -> None:
    key = _key(env)
    put = await _put(env, ALICE.address.upper().replace("0X", "0x"), {"tier": "Elite"})
    assert (put.status_code, put.json()) == (200, {"address": ALICE.address, "tier": "elite"})
    answer = (await _own_tier(env, key)).json()
    assert (answer["tier"], answer["tier_details"]["order_burst"], answer["tier_details"]["negative_balance"]) == (
        "elite",
        900,
        False,
    )
    assert "next_tier_threshold" not in answer and "usdc_volume" not in answer
    stored = [tier for batch in env.store.batches for tier in batch.rate_limit_tiers]
    assert stored == [RateLimitTierRecord(address=ALICE.address, tier="elite")]
    got = await env.client.get(f"/admin/rate-limit-tiers/{ALICE.address}", headers=ADMIN)
    assert got.json() == {"address": ALICE.address, "tier": "elite"}


async def test_the_admin_answers_standard_for_an_address_without_a_tier(env: Env) -> None:
    got = await env.client.get(f"/admin/rate-limit-tiers/{BOB.address}", headers=ADMIN)
    assert (got.status_code, got.json()) == (200, {"address": BOB.address, "tier": "standard"})


@pytest.mark.parametrize(
    ("address", "body", "message"),
    [
        (ALICE.address, {"tier": "platinum+"}, "invalid tier 'platinum+': one of standard, copper, bronze, silver,"),
        (ALICE.address, {"level": "gold"}, "invalid tier: expected {tier}"),
        ("0x1234", {"tier": "gold"}, "invalid address: '0x1234'"),
    ],
)
async def test_a_bad_address_or_tier_is_refused_and_nothing_is_stored(
    env: Env, address: str, body: Any, message: str
) -> None:
    response = await _put(env, address, body)
    assert response.status_code == 400 and response.json()["error"].startswith(message)
    assert not [tier for batch in env.store.batches for tier in batch.rate_limit_tiers]
    assert env.service.edge.rate_limit_tiers == {}


async def test_the_tier_routes_need_their_credentials(env: Env) -> None:
    assert (await env.client.put(f"/admin/rate-limit-tiers/{ALICE.address}", json={"tier": "gold"})).status_code == 401
    assert (await env.client.get("/v1/user/rate-limit-tier")).status_code == 401


async def test_tiers_set_before_a_restart_are_loaded_with_the_rest_of_the_edge_state() -> None:
    store = FakeStore()
    store.rate_limit_tiers = lambda: [RateLimitTierRecord(address=ALICE.address, tier="gold")]  # type: ignore[method-assign]
    service = Service(store, Settings())
    build_app(service, master_secret=b"x" * 32, admin_token="admin-token")
    await service.start()
    try:
        assert service.edge.rate_limit_tiers == {ALICE.address: "gold"}
    finally:
        await service.stop()
