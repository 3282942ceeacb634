"""api/orders.py: V1 and V2 bodies side by side, V2 verification (domains "2" and "3", POLY_1271), version gates.

The bodies are the official clients' own (tests/unit/crypto/vectors.json): py-clob-client-v2 and
@polymarket/clob-client-v2 V2 orders, the POLY_1271 deposit-wallet order, and py-clob-client V1 orders.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest
from eth_account import Account

from openclob.api.errors import ApiError
from openclob.api.orders import SendOrder, build_place_order
from openclob.config import Settings
from openclob.core import CreateMarket, Exchange
from openclob.crypto import OrderV2Fields, order_id, order_v2_digest, verifying_contract
from openclob.edge_state import EdgeState
from openclob.store.records import ApiKeyRecord, WalletLinkRecord
from tests.unit.crypto.conftest import load_vectors

VECTORS = load_vectors()
V2_CASES: list[dict[str, Any]] = VECTORS["v2_orders"]
V1_CASES: list[dict[str, Any]] = VECTORS["v1_orders"]
SIGNATURE_TYPE_OF_FUNDER = {"proxy": 1, "safe": 2, "deposit_wallet": 3}


def _service(case: dict[str, Any], order_versions: tuple[int, ...] = (1, 2)) -> Any:
    """Just what build_place_order reads: settings, the market of the order's token, and wallet links."""
    exchange = Exchange()
    token = case["inputs"]["token_id"]
    exchange.apply(
        CreateMarket(
            now_ms=0,
            condition_id="0x" + "ab" * 32,
            token_ids=(token, "1"),
            neg_risk=case["inputs"]["neg_risk"],
        )
    )
    edge = EdgeState()
    funder = case["inputs"].get("funder")
    if funder:
        signer = (case.get("eoa_signer_address") or case["signer_address"]).lower()
        wallet = case["maker_address"].lower()
        edge.wallet_links[(signer, wallet)] = WalletLinkRecord(
            signer=signer, funder=wallet, signature_type=SIGNATURE_TYPE_OF_FUNDER[funder]
        )
    settings = Settings(order_versions=order_versions, order_version=order_versions[-1])
    return SimpleNamespace(settings=settings, exchange=exchange, edge=edge)


def _key(case: dict[str, Any]) -> ApiKeyRecord:
    assert VECTORS is not None
    creds = VECTORS["api_creds"]
    return ApiKeyRecord(
        api_key=creds["apiKey"],
        address=(case.get("eoa_signer_address") or case["signer_address"]).lower(),
        nonce=0,
        secret=creds["secret"],
        passphrase=creds["passphrase"],
        readonly=False,
        created_at_ms=0,
    )


def _send(body: str | dict[str, Any]) -> SendOrder:
    raw = body if isinstance(body, str) else json.dumps(body)
    return msgspec.json.decode(raw, type=SendOrder)


def _refusal(send: SendOrder, case: dict[str, Any], service: Any) -> str:
    with pytest.raises(ApiError) as caught:
        build_place_order(send, _key(case), service)
    assert caught.value.status == 400
    return caught.value.message


@pytest.mark.parametrize("case", V2_CASES, ids=[c["id"] for c in V2_CASES])
@pytest.mark.parametrize("body", ["body_json_py", "body_json_ts_v2"])
def test_every_client_v2_body_is_a_v2_order_whose_id_is_the_v2_digest(case: dict[str, Any], body: str) -> None:
    command = build_place_order(_send(case[body]), _key(case), _service(case))
    assert command.order_id == case["order_hash"]
    assert command.fee_rate_bps is None  # V2: the market's taker fee applies at match time
    assert (command.maker_amount, command.taker_amount) == (int(case["makerAmount"]), int(case["takerAmount"]))
    assert command.maker == case["maker_address"].lower()
    sent = json.loads(case[body])["order"]
    assert command.expiration == int(sent["expiration"])
    assert command.builder_code == ("" if int(sent["builder"], 16) == 0 else sent["builder"].lower())


def test_the_poly_1271_order_verifies_against_the_wallets_linked_owner() -> None:
    assert VECTORS is not None
    case = VECTORS["v2_poly1271_order"]
    command = build_place_order(_send(case["body_json_py"]), _key(case), _service(case))
    assert command.order_id == case["order_hash"]
    assert command.maker == command.signer == case["maker_address"].lower()
    unlinked = _service({**case, "inputs": {**case["inputs"], "funder": None}})
    message = _refusal(_send(case["body_json_py"]), case, unlinked)
    assert message == "the order signer address has to be the address of the API KEY"


def test_expiration_is_not_signed_but_the_amounts_are() -> None:
    case = V2_CASES[0]
    body = json.loads(case["body_json_py"])
    body["order"]["expiration"] = "1900000000"
    assert build_place_order(_send(body), _key(case), _service(case)).expiration == 1_900_000_000
    body["order"]["makerAmount"] = str(int(body["order"]["makerAmount"]) + 1)
    assert _refusal(_send(body), case, _service(case)) == "invalid signature"


@pytest.mark.parametrize("case", V1_CASES[:3], ids=[c["id"] for c in V1_CASES[:3]])
def test_v1_bodies_stay_v1_orders_with_their_signed_fee_rate(case: dict[str, Any]) -> None:
    command = build_place_order(_send(case["body_json_py"]), _key(case), _service(case))
    assert command.order_id == case["order_hash"]
    assert command.fee_rate_bps == int(json.loads(case["body_json_py"])["order"]["feeRateBps"])


def test_a_version_the_server_does_not_accept_is_an_order_version_mismatch() -> None:
    v1, v2 = V1_CASES[0], V2_CASES[0]
    refused_v1 = _refusal(_send(v1["body_json_py"]), v1, _service(v1, order_versions=(2,)))
    assert refused_v1.startswith("order_version_mismatch") and "version 1" in refused_v1
    refused_v2 = _refusal(_send(v2["body_json_py"]), v2, _service(v2, order_versions=(1,)))
    assert refused_v2.startswith("order_version_mismatch") and "version 2" in refused_v2


def test_a_v3_signature_is_taken_only_when_version_3_is_enabled() -> None:
    assert VECTORS is not None
    case = V2_CASES[0]
    body = json.loads(case["body_json_py"])
    order = body["order"]
    fields = OrderV2Fields(
        salt=order["salt"],
        maker=order["maker"],
        signer=order["signer"],
        token_id=int(order["tokenId"]),
        maker_amount=int(order["makerAmount"]),
        taker_amount=int(order["takerAmount"]),
        side=0 if order["side"] == "BUY" else 1,
        signature_type=order["signatureType"],
        timestamp=int(order["timestamp"]),
        metadata=order["metadata"],
        builder=order["builder"],
    )
    digest = order_v2_digest(
        fields, chain_id=137, verifying_contract=verifying_contract(137, 3, False), domain_version="3"
    )
    signed = Account.unsafe_sign_hash(digest, VECTORS["keys"]["A"]["private_key"])
    order["signature"] = "0x" + signed.signature.hex().removeprefix("0x")
    message = _refusal(_send(body), case, _service(case))
    assert message.startswith("order_version_mismatch") and "version 3" in message
    command = build_place_order(_send(body), _key(case), _service(case, order_versions=(1, 2, 3)))
    assert command.order_id == order_id(digest)


def test_malformed_v2_fields_are_an_invalid_payload() -> None:
    case = V2_CASES[0]
    body = json.loads(case["body_json_py"])
    body["order"]["builder"] = "0x1234"
    assert _refusal(_send(body), case, _service(case)) == "Invalid order payload"
