"""Schemathesis over GET /openapi.json: no operation answers 5xx, whatever the generated request.

A real `openclob serve` (SQLite) is set up so that generated requests reach deep paths: two funded wallets
with API keys, a market with resting orders, trades and notifications. Every request carries the credentials
its operation declares: the admin token, L1 headers signed per request, or L2 headers whose HMAC covers the
exact body bytes sent (a `requests` auth sees the prepared request). The document is the server's own,
with the ids of that state added as `examples`, so that the examples phase asks about real markets,
tokens, orders and wallets while the coverage and fuzzing phases explore the rest.

A 503 is Polymarket's answer while the operator's trading mode refuses orders (the only 5xx the document
declares): the test puts the mode back to normal after each request that changes it, so any 5xx fails. A fault
rule the fuzzer adds (POST /admin/faults) is cleared right after the call, before anything else is sent: its
own answer is checked, and no later request meets it. POST /admin/clock is fuzzed with the rest: an advance
cannot be undone (time never goes back), and needs not be, since requests authenticate against the wall clock
and nothing else depends on the exchange's time staying near it; the test lets a frozen clock run again after
each call, so the run goes on as it started.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import msgspec
import pytest
import requests
import schemathesis
from eth_account import Account
from hypothesis import HealthCheck, settings
from py_clob_client.clob_types import OrderArgs
from py_clob_client.headers.headers import create_level_1_headers
from py_clob_client.order_builder.constants import BUY, SELL
from py_clob_client.signer import Signer
from schemathesis.generation.case import Case

from openclob.api import openapi
from openclob.assembly import build_app
from openclob.config import Settings
from openclob.crypto import build_hmac_signature
from openclob.service import Service
from tests.e2e.clients import py_client
from tests.e2e.conftest import ADMIN_TOKEN, Server, Wallet, new_wallet, start_server

MAX_EXAMPLES = 25
"""Per operation and phase: about 4,000 requests over 80 operations, 70-90 s on the 2-core CI machine."""

L1_OPERATIONS = {("POST", "/auth/api-key"), ("GET", "/auth/derive-api-key")}
KEY_DELETION = ("DELETE", "/auth/api-key")
"""Signed with a fresh key each time: deleting the test's own key would leave every later request unauthorized."""


class _Signer(requests.auth.AuthBase):
    """Adds each operation's credentials to the prepared request, signing its exact path and body."""

    def __init__(self, server: Server, wallet_key: str, creds: dict[str, str]) -> None:
        self.server = server
        self.signer = Signer(wallet_key, 137)
        self.creds = creds
        self.nonces = iter(range(1, 10**6))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        method = request.method or "GET"
        path = unquote(urlsplit(request.url or "").path)  # Starlette's request.url.path is decoded
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        if path.startswith("/admin"):
            request.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        elif (method, path) in L1_OPERATIONS:
            request.headers.update(create_level_1_headers(self.signer, next(self.nonces) % 3))
        else:
            creds = self._throwaway_key() if (method, path) == KEY_DELETION else self.creds
            timestamp = str(int(time.time()))
            request.headers.update(
                {
                    "POLY_ADDRESS": self.signer.address(),
                    "POLY_API_KEY": creds["apiKey"],
                    "POLY_PASSPHRASE": creds["passphrase"],
                    "POLY_TIMESTAMP": timestamp,
                    "POLY_SIGNATURE": build_hmac_signature(creds["secret"], timestamp, method, path, body),
                }
            )
        return request

    def _throwaway_key(self) -> dict[str, str]:
        headers = create_level_1_headers(self.signer, 1_000 + next(self.nonces))
        response = httpx.post(self.server.url + "/auth/api-key", headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        creds: dict[str, str] = response.json()
        return creds


def _with_examples(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with `PARAMETER_EXAMPLES` and `FIELD_EXAMPLES` added where the names match."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in PARAMETER_EXAMPLES:
                    parameter["schema"]["examples"] = PARAMETER_EXAMPLES[parameter["name"]]
    for component in document["components"]["schemas"].values():
        for name, field in component.get("properties", {}).items():
            if name in FIELD_EXAMPLES:
                field["examples"] = FIELD_EXAMPLES[name]
    return document


def _served_document() -> dict[str, Any]:
    """What GET /openapi.json serves, built from the app's routes (the test checks the server serves the same)."""
    app = build_app(Service(None, Settings()), master_secret=b"x" * 32, admin_token=ADMIN_TOKEN)  # type: ignore[arg-type]
    document: dict[str, Any] = json.loads(msgspec.json.encode(openapi.document(app.routes)))
    return document


# The state's ids are fixed, so that the document can carry them as examples when the tests are collected.
CONDITION_ID = "0x" + "f0" * 32
YES, NO = "900001", "900002"
ALICE, BOB = (Wallet(key, Account.from_key(key).address) for key in ("0x" + "a1" * 32, "0x" + "b2" * 32))
FIRST_TRADE = "00000000-0000-0000-0000-000000000001"
PARAMETER_EXAMPLES = {
    "token_id": [YES, NO],
    "asset_id": [YES],
    "market": [CONDITION_ID, YES],
    "condition_id": [CONDITION_ID],
    "id": [FIRST_TRADE],
    "address": [ALICE.address],
    "maker_address": [BOB.address],
    "token_ids": [f"{YES},{NO}"],
    "side": ["BUY", "sell"],
    "sides": ["BUY,SELL"],
    "asset_type": ["COLLATERAL", "CONDITIONAL"],
    "signature_type": ["0", "2"],
    "user": [ALICE.address, BOB.address],
    "slug": ["will-the-fuzzer-find-nothing"],
    "condition_ids": [CONDITION_ID],
    "clob_token_ids": [f"{YES},{NO}"],
}
FIELD_EXAMPLES: dict[str, list[Any]] = {
    "token_id": [YES],
    "address": [ALICE.address],
    "condition_id": [CONDITION_ID],
    "signer": [ALICE.address],
    "funder": [BOB.address],
    "amount": ["1", "-1", "0.000001"],
    "asset": ["COLLATERAL"],
    "min_order_size": ["5"],
    "tick_size": ["0.001"],
    "signature_type": [2],
    "mode": ["normal", "cancel-only", "disabled", "post-only"],
    "advance_ms": [60_000],
    "freeze": [True],
}
"""Body fields by name (POST /admin/markets gets the listed `condition_id` too, and is refused: listed already)."""
DOCUMENT = _served_document()
schema = schemathesis.openapi.from_dict(_with_examples(DOCUMENT))


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, _Signer]]:
    """A server with a market, resting orders, a trade and notifications; a signer for the maker's key."""
    server = start_server(tmp_path_factory.mktemp("fuzz") / "data")
    try:
        market = {"question": "Will the fuzzer find nothing?", "condition_id": CONDITION_ID, "token_ids": [YES, NO]}
        server.admin("POST", "/admin/markets", market)
        alice, _ = py_client(server, ALICE)
        bob, _ = py_client(server, BOB)
        for wallet in (ALICE, BOB):
            server.deposit(wallet.address, "1000")
            server.split(wallet.address, CONDITION_ID, "100")
        alice.create_and_post_order(OrderArgs(token_id=YES, price=0.40, size=10, side=BUY))
        alice.create_and_post_order(OrderArgs(token_id=YES, price=0.60, size=10, side=SELL))
        bob.create_and_post_order(OrderArgs(token_id=YES, price=0.40, size=5, side=SELL))
        assert [t["id"] for t in alice.get_trades()] == [FIRST_TRADE]
        assert httpx.get(server.url + "/openapi.json", timeout=30).json() == DOCUMENT
        creds = {
            "apiKey": alice.creds.api_key,
            "secret": alice.creds.api_secret,
            "passphrase": alice.creds.api_passphrase,
        }
        yield server, _Signer(server, ALICE.key, creds)
    finally:
        server.stop()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: Case, state: tuple[Server, _Signer]) -> None:
    server, signer = state
    response = case.call(base_url=server.url, auth=signer, timeout=30)
    key = (case.method.upper(), case.path)
    if key == ("PUT", "/admin/trading-mode"):
        server.admin("PUT", "/admin/trading-mode", {"mode": "normal"})
    if key == ("POST", "/admin/faults"):
        server.admin("DELETE", "/admin/faults")  # a rule it added would answer 5xx, drop or stall what follows
    if key == ("POST", "/admin/clock"):
        server.admin("POST", "/admin/clock", {"freeze": False})
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])


def test_the_fuzzed_server_still_takes_orders(state: tuple[Server, _Signer]) -> None:
    server, _ = state
    server.admin("PUT", "/admin/trading-mode", {"mode": "normal"})
    assert server.admin("GET", "/admin/faults") == []
    yes = server.create_market("After the fuzzer?")["tokens"][0]["token_id"]  # the fuzzer may have paused the first
    client, wallet = py_client(server, new_wallet())
    server.deposit(wallet.address, "10")
    placed = client.create_and_post_order(OrderArgs(token_id=yes, price=0.30, size=5, side=BUY))
    assert placed["success"] is True
    assert "unhandled error" not in Path(server.log_path).read_text()
