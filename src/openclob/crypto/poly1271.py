"""Signature type 3 (POLY_1271, CLOB V2): an ERC-7739 `TypedDataSign` signature from a deposit wallet.

The order's maker and signer are the deposit wallet (an ERC-1271 contract). Its owner EOA signs the order
nested in the wallet's own domain, and the wire signature carries what the wallet needs to rebuild that:

    innerSig(65) ‖ appDomainSeparator(32) ‖ contentsHash(32) ‖ contentsType ‖ uint16_be(len(contentsType))

The EOA signed keccak256(0x1901 ‖ appDomainSeparator ‖ hashStruct(TypedDataSign{contents, name, version,
chainId, verifyingContract: wallet, salt})). Here the app domain must be the exchange's and the contents the
order itself. Whether the recovered EOA owns the wallet is on-chain state: the caller checks it.
"""

from __future__ import annotations

from openclob.crypto._abi import address_word, uint256_word
from openclob.crypto.eip712 import (
    EXCHANGE_DOMAIN_NAME,
    EXCHANGE_DOMAIN_VERSION_V2,
    ORDER_V2_TYPE,
    OrderV2Fields,
    domain_separator,
    order_v2_struct_hash,
    typed_data_digest,
)
from openclob.crypto.keccak import keccak256
from openclob.crypto.recover import SIGNATURE_LENGTH, InvalidSignature, recover_address

DEPOSIT_WALLET_DOMAIN_NAME = "DepositWallet"
DEPOSIT_WALLET_DOMAIN_VERSION = "1"
DEPOSIT_WALLET_DOMAIN_SALT = bytes(32)

_ORDER_V2_TYPE_BYTES = ORDER_V2_TYPE.encode()
TYPED_DATA_SIGN_TYPE = (
    "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,"
    "bytes32 salt)" + ORDER_V2_TYPE
)
_TYPED_DATA_SIGN_TYPE_HASH = keccak256(TYPED_DATA_SIGN_TYPE.encode())
_WALLET_NAME_HASH = keccak256(DEPOSIT_WALLET_DOMAIN_NAME.encode())
_WALLET_VERSION_HASH = keccak256(DEPOSIT_WALLET_DOMAIN_VERSION.encode())
_LENGTH_SUFFIX = 2
_PREFIX_LENGTH = SIGNATURE_LENGTH + 32 + 32
POLY1271_SIGNATURE_LENGTH = _PREFIX_LENGTH + len(_ORDER_V2_TYPE_BYTES) + _LENGTH_SUFFIX


def poly1271_inner_digest(contents_hash: bytes, *, app_domain_separator: bytes, chain_id: int, wallet: str) -> bytes:
    """Return the digest the wallet owner's EOA signs for `contents_hash` (an Order V2 struct hash)."""
    typed_data_sign_hash = keccak256(
        _TYPED_DATA_SIGN_TYPE_HASH
        + contents_hash
        + _WALLET_NAME_HASH
        + _WALLET_VERSION_HASH
        + uint256_word(chain_id)
        + address_word(wallet)
        + DEPOSIT_WALLET_DOMAIN_SALT
    )
    return typed_data_digest(app_domain_separator, typed_data_sign_hash)


def recover_poly1271_owner(
    order: OrderV2Fields,
    signature: bytes,
    *,
    chain_id: int,
    verifying_contract: str,
    domain_version: str = EXCHANGE_DOMAIN_VERSION_V2,
) -> str:
    """Check a POLY_1271 wrapped signature against `order` and return the signing EOA (lowercase 0x).

    The wallet is `order.signer`. Raise InvalidSignature if the wrapping does not describe this order
    under this exchange domain (version "2", or "3"), or if the inner signature recovers nothing.
    """
    if len(signature) != POLY1271_SIGNATURE_LENGTH:
        raise InvalidSignature(f"POLY_1271 signature must be {POLY1271_SIGNATURE_LENGTH} bytes")
    type_length = int.from_bytes(signature[-_LENGTH_SUFFIX:], "big")
    contents_type = signature[_PREFIX_LENGTH:-_LENGTH_SUFFIX]
    if type_length != len(contents_type) or contents_type != _ORDER_V2_TYPE_BYTES:
        raise InvalidSignature("POLY_1271 contents type is not the V2 Order type")
    app_domain_separator = signature[SIGNATURE_LENGTH : SIGNATURE_LENGTH + 32]
    expected_separator = domain_separator(EXCHANGE_DOMAIN_NAME, domain_version, chain_id, verifying_contract)
    if app_domain_separator != expected_separator:
        raise InvalidSignature("POLY_1271 app domain is not this exchange's domain")
    contents_hash = signature[SIGNATURE_LENGTH + 32 : _PREFIX_LENGTH]
    if contents_hash != order_v2_struct_hash(order):
        raise InvalidSignature("POLY_1271 contents hash is not this order's struct hash")
    digest = poly1271_inner_digest(
        contents_hash, app_domain_separator=app_domain_separator, chain_id=chain_id, wallet=order.signer
    )
    return recover_address(digest, signature[:SIGNATURE_LENGTH])
