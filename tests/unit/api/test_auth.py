"""L1 and L2 headers whose numbers are not in range are refused like any bad header; the exchange writes on."""

from __future__ import annotations

import time

import pytest
from py_clob_client.headers.headers import create_level_1_headers

from tests.unit.api.conftest import Stored

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
