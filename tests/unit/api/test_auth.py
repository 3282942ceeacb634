"""api/auth.py: L1 and L2 headers whose numbers are not in range are refused like any bad header, and the exchange
writes on; L1 signatures are taken only in the forms the exchange contracts would take (see recover.py)."""

from __future__ import annotations

import time

import pytest
from eth_account import Account
from py_clob_client.headers.headers import create_level_1_headers

from openclob.crypto import clob_auth_digest
from tests.unit.api.conftest import Env, Stored

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("path", ["/auth/api-key", "/auth/derive-api-key"])
@pytest.mark.parametrize("nonce", [2**63, 2**256 - 1])
async def test_a_validly_signed_l1_nonce_past_int64_is_refused(stored: Stored, path: str, nonce: int) -> None:
    # the key's nonce is stored in a signed 64-bit column: 2**63 failed the sequencer's batch
    headers = create_level_1_headers(stored.signer, nonce)
    response = await stored.client.request("POST" if path == "/auth/api-key" else "GET", path, headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": "Invalid L1 Request headers"})
    await stored.keeps_working()


@pytest.mark.parametrize("nonce", ["-1", "²", "1" * 5_000, " 1", "0x1"])
async def test_an_l1_nonce_that_is_not_ascii_digits_is_refused(stored: Stored, nonce: str) -> None:
    headers = {**create_level_1_headers(stored.signer, 1), "POLY_NONCE": nonce.encode("latin-1")}  # as on the wire
    response = await stored.client.post("/auth/api-key", headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": "Invalid L1 Request headers"})
    await stored.keeps_working()


async def test_a_validly_signed_l1_nonce_of_int64_max_creates_a_key(stored: Stored) -> None:
    response = await stored.client.post("/auth/api-key", headers=create_level_1_headers(stored.signer, 2**63 - 1))
    assert response.status_code == 200, response.text
    await stored.keeps_working()
    derived = await stored.client.get("/auth/derive-api-key", headers=create_level_1_headers(stored.signer, 2**63 - 1))
    assert derived.json() == response.json()


@pytest.mark.parametrize("timestamp", ["²", "1" * 5_000, "-1", f" {int(time.time())}"])
async def test_a_timestamp_that_is_not_ascii_digits_is_refused_at_l1_and_l2(stored: Stored, timestamp: str) -> None:
    l1 = {**create_level_1_headers(stored.signer), "POLY_TIMESTAMP": timestamp.encode("latin-1")}
    response = await stored.client.post("/auth/api-key", headers=l1)
    assert (response.status_code, response.json()) == (401, {"error": "Invalid L1 Request headers"})
    l2 = {**stored.l2("GET", "/auth/api-keys"), "POLY_TIMESTAMP": timestamp.encode("latin-1")}
    response = await stored.client.get("/auth/api-keys", headers=l2)
    assert (response.status_code, response.json()) == (401, {"error": "Unauthorized/Invalid api key"})
    await stored.keeps_working()


KEY = "0x" + "5e" * 32


def _l1_headers(env: Env, v_offset: int = 0) -> dict[str, str]:
    address = str(Account.from_key(KEY).address)
    timestamp = str(env.clock.now_ms // 1000)
    digest = clob_auth_digest(address=address, timestamp=timestamp, nonce=0, chain_id=137)
    signature = bytearray(Account.unsafe_sign_hash(digest, KEY).signature)
    signature[64] -= v_offset
    return {"POLY_ADDRESS": address, "POLY_SIGNATURE": "0x" + signature.hex(), "POLY_TIMESTAMP": timestamp}


async def test_an_l1_signature_with_v_0_or_1_is_refused_and_the_same_one_with_v_27_or_28_is_taken(env: Env) -> None:
    refused = await env.client.post("/auth/api-key", headers=_l1_headers(env, v_offset=27))
    assert (refused.status_code, refused.json()) == (401, {"error": "Invalid L1 Request headers"})
    created = await env.client.post("/auth/api-key", headers=_l1_headers(env))
    assert created.status_code == 200 and set(created.json()) == {"apiKey", "secret", "passphrase"}
