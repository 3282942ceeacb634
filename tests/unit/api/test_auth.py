"""api/auth.py: L1 headers are taken only with a signature the exchange contracts would take (see recover.py)."""

from __future__ import annotations

import pytest
from eth_account import Account

from openclob.crypto import clob_auth_digest
from tests.unit.api.conftest import Env

pytestmark = pytest.mark.anyio

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
