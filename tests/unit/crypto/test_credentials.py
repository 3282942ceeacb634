from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid

import pytest

from openclob.crypto import build_hmac_signature, derive_api_credentials, verify_hmac

MASTER = bytes(range(32))
ADDRESS = "0xFCAd0B19bB29D4674531d6f115237E16AfCE377c"
OTHER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PINNED = (
    "364c1279-3ab3-44e4-bbab-2067d95b3b8b",
    "ACHU8KM0tRZ6EaDoCjtvcpvrqWJfhfTp3kxBuQcVkRM=",
    "6b2335f135f063d51657e93ae870327e4a70309c4dc3a2011608ef4a4622c935",
)


def test_derive_api_credentials_twice_returns_identical_credentials() -> None:
    assert derive_api_credentials(MASTER, ADDRESS, 0) == derive_api_credentials(MASTER, ADDRESS, 0)


def test_derive_api_credentials_is_pinned_to_its_published_derivation() -> None:
    # Changing the derivation would silently invalidate every key a deployment has issued.
    credentials = derive_api_credentials(MASTER, ADDRESS, 0)

    assert (credentials.api_key, credentials.secret, credentials.passphrase) == PINNED


def test_derive_api_credentials_equals_hmac_of_label_address_and_nonce() -> None:
    subject = b"|0xfcad0b19bb29d4674531d6f115237e16afce377c|5"

    def part(label: bytes) -> bytes:
        return hmac.new(MASTER, label + subject, hashlib.sha256).digest()

    credentials = derive_api_credentials(MASTER, ADDRESS, 5)

    assert uuid.UUID(credentials.api_key).bytes[:6] == part(b"openclob/api-key/v1")[:6]
    assert base64.urlsafe_b64decode(credentials.secret) == part(b"openclob/api-secret/v1")
    assert credentials.passphrase == part(b"openclob/api-passphrase/v1").hex()


def test_derive_api_credentials_for_lowercase_address_equals_checksummed() -> None:
    assert derive_api_credentials(MASTER, ADDRESS.lower(), 7) == derive_api_credentials(MASTER, ADDRESS, 7)


@pytest.mark.parametrize(
    ("master", "address", "nonce"),
    [(MASTER, ADDRESS, 1), (MASTER, OTHER_ADDRESS, 0), (bytes(32), ADDRESS, 0)],
    ids=["other_nonce", "other_address", "other_master"],
)
def test_derive_api_credentials_for_other_inputs_differs_in_every_part(master: bytes, address: str, nonce: int) -> None:
    base = derive_api_credentials(MASTER, ADDRESS, 0)

    other = derive_api_credentials(master, address, nonce)

    assert other.api_key != base.api_key
    assert other.secret != base.secret
    assert other.passphrase != base.passphrase


def test_derive_api_credentials_parts_are_distinct_from_each_other() -> None:
    credentials = derive_api_credentials(MASTER, ADDRESS, 0)

    key_bytes = uuid.UUID(credentials.api_key).bytes
    assert key_bytes not in base64.urlsafe_b64decode(credentials.secret)
    assert key_bytes.hex() not in credentials.passphrase
    assert base64.urlsafe_b64decode(credentials.secret).hex() != credentials.passphrase


@pytest.mark.parametrize("nonce", [0, 1, 2**256 - 1])
def test_derive_api_credentials_formats_match_polymarket(nonce: int) -> None:
    credentials = derive_api_credentials(MASTER, ADDRESS, nonce)

    assert str(uuid.UUID(credentials.api_key)) == credentials.api_key
    assert len(credentials.secret) == 44 and credentials.secret.endswith("=")
    # py-clob-client decodes with urlsafe_b64decode, which requires the padding.
    assert len(base64.urlsafe_b64decode(credentials.secret)) == 32
    assert re.fullmatch(r"[0-9a-f]{64}", credentials.passphrase)


def test_derive_api_credentials_secret_signs_and_verifies_an_l2_request() -> None:
    secret = derive_api_credentials(MASTER, ADDRESS, 0).secret
    signature = build_hmac_signature(secret, "1700000000", "GET", "/data/orders", None)

    assert verify_hmac(secret, "1700000000", "GET", "/data/orders", b"", signature)


@pytest.mark.parametrize(
    ("master", "address", "nonce"),
    [(bytes(31), ADDRESS, 0), (MASTER, ADDRESS, -1), (MASTER, ADDRESS, 2**256), (MASTER, "0x1234", 0)],
    ids=["short_master", "negative_nonce", "nonce_above_uint256", "malformed_address"],
)
def test_derive_api_credentials_with_invalid_input_raises_value_error(master: bytes, address: str, nonce: int) -> None:
    with pytest.raises(ValueError):
        derive_api_credentials(master, address, nonce)
