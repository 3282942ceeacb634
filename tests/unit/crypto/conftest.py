"""Ground-truth vectors from the official clients (vectors.json here, a copy of the shared reference's file).

Tests that take `l1_case`, `l2_case`, `v1_order_case` or `v2_order_case` run once per case of that section;
`v1_order` and `v2_order` are the signed fields parsed from the case's py-clob-client body, as the server
would parse them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from openclob.crypto import OrderV1Fields, OrderV2Fields

VECTORS_PATH = Path(__file__).with_name("vectors.json")

_CASE_SECTIONS = {
    "l1_case": "l1_clob_auth",
    "l2_case": "l2_hmac",
    "v1_order_case": "v1_orders",
    "v2_order_case": "v2_orders",
}
_SIDES = {"BUY": 0, "SELL": 1}


@cache
def load_vectors() -> dict[str, Any]:
    vectors: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return vectors


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture_name, section in _CASE_SECTIONS.items():
        if fixture_name not in metafunc.fixturenames:
            continue
        cases = load_vectors()[section]
        metafunc.parametrize(fixture_name, cases, ids=[case["id"] for case in cases])


@pytest.fixture
def vectors() -> dict[str, Any]:
    return load_vectors()


def order_v1_from_body(body_json: str) -> OrderV1Fields:
    """Parse the signed fields of a V1 POST /order body (any client's key order)."""
    order = json.loads(body_json)["order"]
    return OrderV1Fields(
        salt=int(order["salt"]),
        maker=order["maker"],
        signer=order["signer"],
        taker=order["taker"],
        token_id=int(order["tokenId"]),
        maker_amount=int(order["makerAmount"]),
        taker_amount=int(order["takerAmount"]),
        expiration=int(order["expiration"]),
        nonce=int(order["nonce"]),
        fee_rate_bps=int(order["feeRateBps"]),
        side=_SIDES[order["side"]],
        signature_type=int(order["signatureType"]),
    )


def order_v2_from_body(body_json: str) -> OrderV2Fields:
    """Parse the signed fields of a V2 POST /order body (any client's key order)."""
    order = json.loads(body_json)["order"]
    return OrderV2Fields(
        salt=int(order["salt"]),
        maker=order["maker"],
        signer=order["signer"],
        token_id=int(order["tokenId"]),
        maker_amount=int(order["makerAmount"]),
        taker_amount=int(order["takerAmount"]),
        side=_SIDES[order["side"]],
        signature_type=int(order["signatureType"]),
        timestamp=int(order["timestamp"]),
        metadata=order["metadata"],
        builder=order["builder"],
    )


@pytest.fixture
def v1_order(v1_order_case: dict[str, Any]) -> OrderV1Fields:
    return order_v1_from_body(v1_order_case["body_json_py"])


@pytest.fixture
def v2_order(v2_order_case: dict[str, Any]) -> OrderV2Fields:
    return order_v2_from_body(v2_order_case["body_json_py"])


@pytest.fixture
def parse_v1_body() -> Callable[[str], OrderV1Fields]:
    return order_v1_from_body


@pytest.fixture
def parse_v2_body() -> Callable[[str], OrderV2Fields]:
    return order_v2_from_body
