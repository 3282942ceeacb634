from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from openclob.crypto import (
    InvalidSignature,
    OrderV2Fields,
    decode_signature,
    domain_separator,
    order_v2_struct_hash,
    poly1271_inner_digest,
    recover_poly1271_owner,
)
from openclob.crypto.poly1271 import TYPED_DATA_SIGN_TYPE

EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"


@pytest.fixture
def case(vectors: dict[str, Any]) -> dict[str, Any]:
    poly1271: dict[str, Any] = vectors["v2_poly1271_order"]
    return poly1271


@pytest.fixture
def order(case: dict[str, Any], parse_v2_body: Callable[[str], OrderV2Fields]) -> OrderV2Fields:
    return parse_v2_body(case["body_json_py"])


@pytest.fixture
def signature(case: dict[str, Any]) -> bytes:
    return decode_signature(case["signature"])


def test_recover_poly1271_owner_of_vector_order_returns_inner_eoa(
    case: dict[str, Any], order: OrderV2Fields, signature: bytes
) -> None:
    assert order.signature_type == 3
    assert order.signer.lower() == order.maker.lower() == case["poly_1271"]["deposit_wallet"].lower()

    owner = recover_poly1271_owner(order, signature, chain_id=137, verifying_contract=EXCHANGE_V2)

    assert owner == case["poly_1271"]["inner_signer_eoa"].lower()


def test_poly1271_inner_digest_of_vector_order_equals_digest_signed_by_eoa(
    case: dict[str, Any], order: OrderV2Fields
) -> None:
    vector = case["poly_1271"]
    assert vector["typed_data_sign_type"] == TYPED_DATA_SIGN_TYPE

    digest = poly1271_inner_digest(
        order_v2_struct_hash(order),
        app_domain_separator=domain_separator("Polymarket CTF Exchange", "2", 137, EXCHANGE_V2),
        chain_id=137,
        wallet=order.signer,
    )

    assert "0x" + digest.hex() == vector["inner_digest_signed_by_eoa"]


def test_recover_poly1271_owner_with_changed_order_amount_raises_invalid_signature(
    order: OrderV2Fields, signature: bytes
) -> None:
    changed = dataclasses.replace(order, maker_amount=order.maker_amount + 1)

    with pytest.raises(InvalidSignature, match="contents hash"):
        recover_poly1271_owner(changed, signature, chain_id=137, verifying_contract=EXCHANGE_V2)


def test_recover_poly1271_owner_under_other_exchange_raises_invalid_signature(
    order: OrderV2Fields, signature: bytes
) -> None:
    with pytest.raises(InvalidSignature, match="app domain"):
        recover_poly1271_owner(order, signature, chain_id=137, verifying_contract=NEG_RISK_EXCHANGE_V2)


def test_recover_poly1271_owner_with_other_wallet_does_not_return_inner_eoa(
    case: dict[str, Any], order: OrderV2Fields, signature: bytes
) -> None:
    # The wallet is part of what the EOA signed: the same wrapping cannot be replayed for another wallet.
    other_wallet = "0x" + "ab" * 20
    moved = dataclasses.replace(order, maker=other_wallet, signer=other_wallet)
    contents_hash = order_v2_struct_hash(moved)
    rewrapped = signature[:97] + contents_hash + signature[129:]

    owner = recover_poly1271_owner(moved, rewrapped, chain_id=137, verifying_contract=EXCHANGE_V2)

    assert owner != case["poly_1271"]["inner_signer_eoa"].lower()


def test_recover_poly1271_owner_with_tampered_inner_signature_does_not_return_inner_eoa(
    case: dict[str, Any], order: OrderV2Fields, signature: bytes
) -> None:
    tampered = bytearray(signature)
    tampered[5] ^= 0x01

    try:
        owner = recover_poly1271_owner(order, bytes(tampered), chain_id=137, verifying_contract=EXCHANGE_V2)
    except InvalidSignature:
        return
    assert owner != case["poly_1271"]["inner_signer_eoa"].lower()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda sig: sig[:-1], id="truncated"),
        pytest.param(lambda sig: sig[:65], id="plain_65_byte_signature"),
        pytest.param(lambda sig: sig[:-2] + (len(sig) - 130).to_bytes(2, "big"), id="wrong_length_suffix"),
        pytest.param(lambda sig: sig[:129] + b"X" + sig[130:], id="other_contents_type"),
    ],
)
def test_recover_poly1271_owner_with_malformed_wrapping_raises_invalid_signature(
    order: OrderV2Fields, signature: bytes, mangle: Callable[[bytes], bytes]
) -> None:
    with pytest.raises(InvalidSignature):
        recover_poly1271_owner(order, mangle(signature), chain_id=137, verifying_contract=EXCHANGE_V2)


def test_recover_poly1271_owner_with_inner_v_0_or_1_raises_invalid_signature(
    order: OrderV2Fields, signature: bytes
) -> None:
    # the same inner signature with the raw recovery id: the wallet's ECDSA check would refuse it on chain
    zero_based = signature[:64] + bytes([signature[64] - 27]) + signature[65:]

    with pytest.raises(InvalidSignature):
        recover_poly1271_owner(order, zero_based, chain_id=137, verifying_contract=EXCHANGE_V2)
