"""EIP-712 digests of the three fixed structs the API signs: Order V1, Order V2 and ClobAuth.

A generic typed-data encoder costs about 140 µs an order; these structs never change, so their type hashes
are constants, each domain separator is computed once per domain, and an order costs two keccaks over a
join of 32-byte words. digest = keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)), and the
orderID on the wire is that digest as 0x-prefixed lowercase hex.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from openclob.crypto._abi import address_word, bytes32_word, uint8_word, uint256_word
from openclob.crypto.keccak import keccak256

EXCHANGE_DOMAIN_NAME = "Polymarket CTF Exchange"
EXCHANGE_DOMAIN_VERSION_V1 = "1"
EXCHANGE_DOMAIN_VERSION_V2 = "2"
EXCHANGE_DOMAIN_VERSION_V3 = "3"
"""The V3 exchange signs the V2 struct under its own domain version."""
CLOB_AUTH_DOMAIN_NAME = "ClobAuthDomain"
CLOB_AUTH_DOMAIN_VERSION = "1"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"

ORDER_V1_TYPE = (
    "Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,"
    "uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)"
)
ORDER_V2_TYPE = (
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,"
    "uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"
)
CLOB_AUTH_TYPE = "ClobAuth(address address,string timestamp,uint256 nonce,string message)"

_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_DOMAIN_TYPE_NO_CONTRACT = "EIP712Domain(string name,string version,uint256 chainId)"

ORDER_V1_TYPE_HASH = keccak256(ORDER_V1_TYPE.encode())
ORDER_V2_TYPE_HASH = keccak256(ORDER_V2_TYPE.encode())
CLOB_AUTH_TYPE_HASH = keccak256(CLOB_AUTH_TYPE.encode())
_DOMAIN_TYPE_HASH = keccak256(_DOMAIN_TYPE.encode())
_DOMAIN_TYPE_NO_CONTRACT_HASH = keccak256(_DOMAIN_TYPE_NO_CONTRACT.encode())
_CLOB_AUTH_MESSAGE_HASH = keccak256(CLOB_AUTH_MESSAGE.encode())

_EIP191_TYPED_DATA_PREFIX = b"\x19\x01"
# A deployment has a handful of (chain, contract) pairs; the bound only stops misuse from growing memory.
_DOMAIN_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderV1Fields:
    """The signed fields of a CTF Exchange V1 order; side is 0 = BUY, 1 = SELL."""

    salt: int
    maker: str
    signer: str
    taker: str
    token_id: int
    maker_amount: int
    taker_amount: int
    expiration: int
    nonce: int
    fee_rate_bps: int
    side: int
    signature_type: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderV2Fields:
    """The signed fields of a CTF Exchange V2 order; timestamp is in milliseconds, metadata and builder are
    0x-prefixed bytes32 hex. The body's `expiration` is not signed, so it is not here."""

    salt: int
    maker: str
    signer: str
    token_id: int
    maker_amount: int
    taker_amount: int
    side: int
    signature_type: int
    timestamp: int
    metadata: str
    builder: str


@lru_cache(maxsize=_DOMAIN_CACHE_SIZE)
def domain_separator(name: str, version: str, chain_id: int, verifying_contract: str | None = None) -> bytes:
    """Return hashStruct(EIP712Domain) for this domain; without a contract the domain type omits it."""
    if verifying_contract is None:
        return keccak256(
            _DOMAIN_TYPE_NO_CONTRACT_HASH
            + keccak256(name.encode())
            + keccak256(version.encode())
            + uint256_word(chain_id)
        )
    return keccak256(
        _DOMAIN_TYPE_HASH
        + keccak256(name.encode())
        + keccak256(version.encode())
        + uint256_word(chain_id)
        + address_word(verifying_contract)
    )


def typed_data_digest(domain_separator_hash: bytes, struct_hash: bytes) -> bytes:
    """Return keccak256(0x1901 ‖ domainSeparator ‖ structHash), the digest that is signed."""
    return keccak256(_EIP191_TYPED_DATA_PREFIX + domain_separator_hash + struct_hash)


def order_v1_struct_hash(order: OrderV1Fields) -> bytes:
    """Return hashStruct(Order) for a V1 order."""
    return keccak256(
        b"".join(
            (
                ORDER_V1_TYPE_HASH,
                uint256_word(order.salt),
                address_word(order.maker),
                address_word(order.signer),
                address_word(order.taker),
                uint256_word(order.token_id),
                uint256_word(order.maker_amount),
                uint256_word(order.taker_amount),
                uint256_word(order.expiration),
                uint256_word(order.nonce),
                uint256_word(order.fee_rate_bps),
                uint8_word(order.side),
                uint8_word(order.signature_type),
            )
        )
    )


def order_v2_struct_hash(order: OrderV2Fields) -> bytes:
    """Return hashStruct(Order) for a V2 order."""
    return keccak256(
        b"".join(
            (
                ORDER_V2_TYPE_HASH,
                uint256_word(order.salt),
                address_word(order.maker),
                address_word(order.signer),
                uint256_word(order.token_id),
                uint256_word(order.maker_amount),
                uint256_word(order.taker_amount),
                uint8_word(order.side),
                uint8_word(order.signature_type),
                uint256_word(order.timestamp),
                bytes32_word(order.metadata),
                bytes32_word(order.builder),
            )
        )
    )


def order_v1_digest(order: OrderV1Fields, *, chain_id: int, verifying_contract: str) -> bytes:
    """Return the EIP-712 digest of a V1 order under the exchange domain (version "1")."""
    separator = domain_separator(EXCHANGE_DOMAIN_NAME, EXCHANGE_DOMAIN_VERSION_V1, chain_id, verifying_contract)
    return typed_data_digest(separator, order_v1_struct_hash(order))


def order_v2_digest(
    order: OrderV2Fields,
    *,
    chain_id: int,
    verifying_contract: str,
    domain_version: str = EXCHANGE_DOMAIN_VERSION_V2,
) -> bytes:
    """Return the EIP-712 digest of a V2-struct order under the exchange domain (version "2", or "3")."""
    separator = domain_separator(EXCHANGE_DOMAIN_NAME, domain_version, chain_id, verifying_contract)
    return typed_data_digest(separator, order_v2_struct_hash(order))


def clob_auth_digest(*, address: str, timestamp: str, nonce: int, chain_id: int) -> bytes:
    """Return the digest of the L1 ClobAuth message; timestamp is the POLY_TIMESTAMP string, unchanged."""
    struct_hash = keccak256(
        CLOB_AUTH_TYPE_HASH
        + address_word(address)
        + keccak256(timestamp.encode())
        + uint256_word(nonce)
        + _CLOB_AUTH_MESSAGE_HASH
    )
    separator = domain_separator(CLOB_AUTH_DOMAIN_NAME, CLOB_AUTH_DOMAIN_VERSION, chain_id)
    return typed_data_digest(separator, struct_hash)


def order_id(digest: bytes) -> str:
    """Format an order digest as the wire's orderID: 0x + 64 lowercase hex digits."""
    return "0x" + digest.hex()
