from __future__ import annotations

import hashlib

from openclob.crypto import keccak256


def test_keccak256_of_empty_input_equals_ethereum_empty_hash() -> None:
    expected = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"

    assert keccak256(b"").hex() == expected


def test_keccak256_of_eip712_domain_type_equals_known_type_hash() -> None:
    domain_type = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"

    assert keccak256(domain_type).hex() == "8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f"


def test_keccak256_differs_from_nist_sha3_256() -> None:
    assert keccak256(b"openclob") != hashlib.sha3_256(b"openclob").digest()
