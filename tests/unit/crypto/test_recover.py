from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclob.crypto import (
    InvalidSignature,
    OrderV1Fields,
    OrderV2Fields,
    clob_auth_digest,
    decode_signature,
    order_v1_digest,
    order_v2_digest,
    recover_address,
)

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
KEY_A = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
ADDRESS_A = "0xfcad0b19bb29d4674531d6f115237e16afce377c"
EXCHANGE_V1 = "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E"
DIGEST = bytes.fromhex("2c14687b157b4c2100224d1e042b411b195ceb9d2210d6baeeb5cbd16ca46416")


def _signed_digest() -> tuple[bytes, bytes]:
    signed = Account.unsafe_sign_hash(DIGEST, KEY_A)
    return DIGEST, bytes(signed.signature)


def test_recover_address_of_l1_signature_returns_poly_address(l1_case: dict[str, Any]) -> None:
    headers = l1_case["headers_py"]
    digest = clob_auth_digest(
        address=headers["POLY_ADDRESS"],
        timestamp=headers["POLY_TIMESTAMP"],
        nonce=int(headers["POLY_NONCE"]),
        chain_id=l1_case["chain_id"],
    )

    recovered = recover_address(digest, decode_signature(headers["POLY_SIGNATURE"]))

    assert recovered == l1_case["address"].lower()


def test_recover_address_of_v1_order_signature_returns_signer(
    v1_order_case: dict[str, Any], v1_order: OrderV1Fields
) -> None:
    domain = v1_order_case["domain"]
    digest = order_v1_digest(v1_order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    recovered = recover_address(digest, decode_signature(v1_order_case["signature"]))

    assert recovered == v1_order_case["signer_address"].lower() == v1_order.signer.lower()


def test_recover_address_of_v2_order_signature_returns_signer(
    v2_order_case: dict[str, Any], v2_order: OrderV2Fields
) -> None:
    domain = v2_order_case["domain"]
    digest = order_v2_digest(v2_order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    recovered = recover_address(digest, decode_signature(v2_order_case["signature"]))

    assert recovered == v2_order_case["eoa_signer_address"].lower() == v2_order.signer.lower()


def test_recover_address_of_v1_order_under_wrong_exchange_does_not_return_signer(
    v1_order_case: dict[str, Any], v1_order: OrderV1Fields
) -> None:
    # A neg-risk order checked against the plain exchange (or the reverse) is a different digest.
    other = "0x0000000000000000000000000000000000000001"
    digest = order_v1_digest(v1_order, chain_id=137, verifying_contract=other)

    recovered = recover_address(digest, decode_signature(v1_order_case["signature"]))

    assert recovered != v1_order.signer.lower()


@pytest.mark.parametrize("byte_index", [0, 31, 32, 63])
def test_recover_address_with_tampered_signature_does_not_return_signer(byte_index: int) -> None:
    digest, signature = _signed_digest()
    tampered = bytearray(signature)
    tampered[byte_index] ^= 0x01

    try:
        recovered = recover_address(digest, bytes(tampered))
    except InvalidSignature:
        return
    assert recovered != ADDRESS_A


def test_recover_address_with_flipped_v_does_not_return_signer() -> None:
    digest, signature = _signed_digest()
    flipped = signature[:64] + bytes([55 - signature[64]])  # 27 <-> 28

    assert recover_address(digest, signature) == ADDRESS_A
    assert recover_address(digest, flipped) != ADDRESS_A


def test_recover_address_with_v_0_or_1_raises_invalid_signature() -> None:
    # The raw recovery id recovers the same key, but neither exchange contract takes it (see recover.py).
    digest, signature = _signed_digest()
    zero_based = signature[:64] + bytes([signature[64] - 27])

    assert recover_address(digest, signature) == ADDRESS_A
    with pytest.raises(InvalidSignature):
        recover_address(digest, zero_based)


@pytest.mark.parametrize("v", [0, 1, 2, 26, 29, 35, 255])
def test_recover_address_with_unknown_v_raises_invalid_signature(v: int) -> None:
    digest, signature = _signed_digest()

    with pytest.raises(InvalidSignature):
        recover_address(digest, signature[:64] + bytes([v]))


def test_recover_address_with_malleated_high_s_raises_invalid_signature() -> None:
    digest, signature = _signed_digest()
    s = int.from_bytes(signature[32:64], "big")
    # (r, n - s) with the other recovery id is the same signature's mirror image: valid for ecrecover.
    malleated = signature[:32] + (SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([55 - signature[64]])

    with pytest.raises(InvalidSignature):
        recover_address(digest, malleated)


@pytest.mark.parametrize("length", [0, 64, 66, 130])
def test_recover_address_with_wrong_signature_length_raises_invalid_signature(length: int) -> None:
    digest, signature = _signed_digest()

    with pytest.raises(InvalidSignature):
        recover_address(digest, (signature * 3)[:length])


def test_recover_address_with_zero_r_raises_invalid_signature() -> None:
    digest, signature = _signed_digest()

    with pytest.raises(InvalidSignature):
        recover_address(digest, bytes(32) + signature[32:])


def test_recover_address_with_r_above_curve_order_raises_invalid_signature() -> None:
    digest, signature = _signed_digest()

    with pytest.raises(InvalidSignature):
        recover_address(digest, b"\xff" * 32 + signature[32:])


def test_recover_address_with_short_digest_raises_invalid_signature() -> None:
    digest, signature = _signed_digest()

    with pytest.raises(InvalidSignature):
        recover_address(digest[:31], signature)


@pytest.mark.parametrize("text", ["", "abcd", "0xzz", "0x123", "0x12 34", " 0x1234", "0x1234\n", "0x１２"])
def test_decode_signature_of_malformed_hex_raises_invalid_signature(text: str) -> None:
    with pytest.raises(InvalidSignature):
        decode_signature(text)


_uint256 = st.integers(min_value=0, max_value=2**256 - 1)
_address = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())
_private_key = st.integers(min_value=1, max_value=SECP256K1_ORDER - 1).map(lambda k: k.to_bytes(32, "big"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    private_key=_private_key,
    maker=_address,
    taker=_address,
    words=st.lists(_uint256, min_size=7, max_size=7),
    side=st.integers(min_value=0, max_value=1),
    signature_type=st.integers(min_value=0, max_value=2),
    chain_id=st.sampled_from([137, 80002]),
    contract=_address,
)
def test_recover_address_of_eth_account_signed_random_v1_order_returns_signer(
    private_key: bytes,
    maker: str,
    taker: str,
    words: list[int],
    side: int,
    signature_type: int,
    chain_id: int,
    contract: str,
) -> None:
    account = Account.from_key(private_key)
    salt, token_id, maker_amount, taker_amount, expiration, nonce, fee_rate_bps = words
    order = OrderV1Fields(
        salt=salt,
        maker=maker,
        signer=account.address,
        taker=taker,
        token_id=token_id,
        maker_amount=maker_amount,
        taker_amount=taker_amount,
        expiration=expiration,
        nonce=nonce,
        fee_rate_bps=fee_rate_bps,
        side=side,
        signature_type=signature_type,
    )
    message = {
        "salt": salt,
        "maker": maker,
        "signer": account.address,
        "taker": taker,
        "tokenId": token_id,
        "makerAmount": maker_amount,
        "takerAmount": taker_amount,
        "expiration": expiration,
        "nonce": nonce,
        "feeRateBps": fee_rate_bps,
        "side": side,
        "signatureType": signature_type,
    }
    order_fields = [
        {"name": name, "type": kind}
        for name, kind in [
            ("salt", "uint256"),
            ("maker", "address"),
            ("signer", "address"),
            ("taker", "address"),
            ("tokenId", "uint256"),
            ("makerAmount", "uint256"),
            ("takerAmount", "uint256"),
            ("expiration", "uint256"),
            ("nonce", "uint256"),
            ("feeRateBps", "uint256"),
            ("side", "uint8"),
            ("signatureType", "uint8"),
        ]
    ]
    signed = account.sign_typed_data(
        domain_data={
            "name": "Polymarket CTF Exchange",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": contract,
        },
        message_types={"Order": order_fields},
        message_data=message,
    )

    digest = order_v1_digest(order, chain_id=chain_id, verifying_contract=contract)

    assert digest == bytes(signed.message_hash)
    assert recover_address(digest, bytes(signed.signature)) == account.address.lower()
