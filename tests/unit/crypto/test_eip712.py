from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from eth_account.messages import encode_typed_data

from openclob.crypto import (
    OrderV1Fields,
    OrderV2Fields,
    clob_auth_digest,
    domain_separator,
    keccak256,
    order_id,
    order_v1_digest,
    order_v1_struct_hash,
    order_v2_digest,
    order_v2_struct_hash,
)
from openclob.crypto.eip712 import EXCHANGE_DOMAIN_NAME, ORDER_V2_TYPE

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = "0x" + "00" * 32

# Reference section 4.1: the hash published for this order was verified with eth-account.
REFERENCE_4_1_ORDER = OrderV1Fields(
    salt=1,
    maker="0x1111111111111111111111111111111111111111",
    signer="0x1111111111111111111111111111111111111111",
    taker=ZERO_ADDRESS,
    token_id=101,
    maker_amount=1_000_000,
    taker_amount=2_000_000,
    expiration=0,
    nonce=2,
    fee_rate_bps=0,
    side=0,
    signature_type=0,
)
REFERENCE_4_1_CONTRACT = "0x0000000000000000000000000000000000000001"
REFERENCE_4_1_HASH = "0xeb162c6cc7aa28ad096a7c40fb9556d41fa1730d71103ba7103589ae1f18d942"


def _domain_hex(case: dict[str, Any]) -> str:
    domain = case["domain"]
    return order_id(domain_separator(domain["name"], domain["version"], domain["chainId"], domain["verifyingContract"]))


def test_order_v1_digest_of_reference_4_1_order_equals_published_hash() -> None:
    digest = order_v1_digest(REFERENCE_4_1_ORDER, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT)

    assert order_id(digest) == REFERENCE_4_1_HASH


def test_order_v1_digest_of_client_order_equals_vector_hashes(
    v1_order_case: dict[str, Any], v1_order: OrderV1Fields
) -> None:
    domain = v1_order_case["domain"]
    assert (domain["name"], domain["version"]) == (EXCHANGE_DOMAIN_NAME, "1")

    digest = order_v1_digest(v1_order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    assert _domain_hex(v1_order_case) == v1_order_case["domain_separator"]
    assert order_id(order_v1_struct_hash(v1_order)) == v1_order_case["struct_hash"]
    assert order_id(digest) == v1_order_case["order_hash"]


def test_order_v1_digest_of_ts_client_body_equals_py_client_order_hash(
    v1_order_case: dict[str, Any], parse_v1_body: Callable[[str], OrderV1Fields]
) -> None:
    domain = v1_order_case["domain"]
    order = parse_v1_body(v1_order_case["body_json_ts_v1"])

    digest = order_v1_digest(order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    assert order_id(digest) == v1_order_case["order_hash"]


def test_order_v1_digest_of_py_v2_client_v1_body_equals_py_client_order_hash(
    vectors: dict[str, Any], parse_v1_body: Callable[[str], OrderV1Fields]
) -> None:
    case = next(c for c in vectors["v1_orders"] if c["id"] == vectors["v1_format_from_py_v2"]["id"])
    order = parse_v1_body(vectors["v1_format_from_py_v2"]["body_json_py_v2"])

    digest = order_v1_digest(order, chain_id=137, verifying_contract=case["domain"]["verifyingContract"])

    assert order_id(digest) == case["order_hash"]


def test_order_v2_digest_of_client_order_equals_vector_hashes(
    v2_order_case: dict[str, Any], v2_order: OrderV2Fields
) -> None:
    domain = v2_order_case["domain"]
    assert (domain["name"], domain["version"]) == (EXCHANGE_DOMAIN_NAME, "2")

    digest = order_v2_digest(v2_order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    assert _domain_hex(v2_order_case) == v2_order_case["domain_separator"]
    assert order_id(order_v2_struct_hash(v2_order)) == v2_order_case["struct_hash"]
    assert order_id(digest) == v2_order_case["order_hash"]


def test_order_v2_digest_of_ts_client_body_equals_py_client_order_hash(
    v2_order_case: dict[str, Any], parse_v2_body: Callable[[str], OrderV2Fields]
) -> None:
    domain = v2_order_case["domain"]
    order = parse_v2_body(v2_order_case["body_json_ts_v2"])

    digest = order_v2_digest(order, chain_id=domain["chainId"], verifying_contract=domain["verifyingContract"])

    assert order_id(digest) == v2_order_case["order_hash"]


def test_order_v2_digest_of_poly1271_order_equals_plain_order_hash(
    vectors: dict[str, Any], parse_v2_body: Callable[[str], OrderV2Fields]
) -> None:
    case = vectors["v2_poly1271_order"]
    order = parse_v2_body(case["body_json_py"])

    digest = order_v2_digest(order, chain_id=137, verifying_contract=case["domain"]["verifyingContract"])

    assert order_id(digest) == case["order_hash"]
    assert case["poly_1271"]["contents_type"] == ORDER_V2_TYPE


def test_clob_auth_digest_of_l1_case_equals_vector_digest(l1_case: dict[str, Any]) -> None:
    message = l1_case["typed_data"]["message"]

    digest = clob_auth_digest(
        address=message["address"],
        timestamp=message["timestamp"],
        nonce=message["nonce"],
        chain_id=l1_case["typed_data"]["domain"]["chainId"],
    )

    assert order_id(digest) == l1_case["eip712_digest"]


def test_clob_auth_digest_equals_eth_account_typed_data_hash_for_other_inputs() -> None:
    address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    typed = encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                ],
                "ClobAuth": [
                    {"name": "address", "type": "address"},
                    {"name": "timestamp", "type": "string"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "message", "type": "string"},
                ],
            },
            "primaryType": "ClobAuth",
            "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": 80002},
            "message": {
                "address": address,
                "timestamp": "1234567890",
                "nonce": 2**64 + 5,
                "message": "This message attests that I control the given wallet",
            },
        }
    )
    expected = b"\x19" + typed.version + typed.header + typed.body

    digest = clob_auth_digest(address=address, timestamp="1234567890", nonce=2**64 + 5, chain_id=80002)

    assert digest == keccak256(expected)


def test_order_v1_digest_with_lowercase_addresses_equals_checksummed_digest() -> None:
    checksummed = dataclasses.replace(
        REFERENCE_4_1_ORDER,
        maker="0xFCAd0B19bB29D4674531d6f115237E16AfCE377c",
        signer="0xFCAd0B19bB29D4674531d6f115237E16AfCE377c",
    )
    lowercase = dataclasses.replace(checksummed, maker=checksummed.maker.lower(), signer=checksummed.signer.lower())

    upper_contract = order_v1_digest(checksummed, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT.upper())
    lower_contract = order_v1_digest(lowercase, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT)

    assert upper_contract == lower_contract


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(OrderV1Fields)])
def test_order_v1_digest_when_one_field_changes_gives_different_order_id(field: str) -> None:
    value = getattr(REFERENCE_4_1_ORDER, field)
    changed_value = "0x2222222222222222222222222222222222222222" if isinstance(value, str) else value + 1
    changes: dict[str, Any] = {field: changed_value}
    changed = dataclasses.replace(REFERENCE_4_1_ORDER, **changes)

    original = order_v1_digest(REFERENCE_4_1_ORDER, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT)

    assert order_v1_digest(changed, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT) != original


def test_order_v1_digest_on_other_chain_or_contract_gives_different_order_id() -> None:
    original = order_v1_digest(REFERENCE_4_1_ORDER, chain_id=137, verifying_contract=REFERENCE_4_1_CONTRACT)

    other_chain = order_v1_digest(REFERENCE_4_1_ORDER, chain_id=80002, verifying_contract=REFERENCE_4_1_CONTRACT)
    other_contract = order_v1_digest(REFERENCE_4_1_ORDER, chain_id=137, verifying_contract=ZERO_ADDRESS)

    assert len({original, other_chain, other_contract}) == 3


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("salt", -1),
        ("token_id", 2**256),
        ("side", 256),
        ("signature_type", -1),
        ("maker", "0x1111"),
        ("maker", "1111111111111111111111111111111111111111xx"),
        ("taker", "0x" + "zz" * 20),
        ("signer", "0x" + "11" * 19 + " 1"),
    ],
)
def test_order_v1_struct_hash_with_out_of_range_field_raises_value_error(field: str, bad_value: object) -> None:
    changes: dict[str, Any] = {field: bad_value}
    order = dataclasses.replace(REFERENCE_4_1_ORDER, **changes)

    with pytest.raises(ValueError):
        order_v1_struct_hash(order)


@pytest.mark.parametrize("bad_bytes32", ["0x" + "00" * 31, "0x" + "00" * 33, "00" * 33, "0x" + "gg" * 32])
def test_order_v2_struct_hash_with_malformed_bytes32_raises_value_error(bad_bytes32: str) -> None:
    order = OrderV2Fields(
        salt=1,
        maker=ZERO_ADDRESS,
        signer=ZERO_ADDRESS,
        token_id=1,
        maker_amount=1,
        taker_amount=1,
        side=0,
        signature_type=0,
        timestamp=1,
        metadata=ZERO_BYTES32,
        builder=bad_bytes32,
    )

    with pytest.raises(ValueError):
        order_v2_struct_hash(order)
