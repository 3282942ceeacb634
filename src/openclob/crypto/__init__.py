"""Signature and auth primitives for the edge: EIP-712 digests, signer recovery, L2 HMAC, API credentials."""

from __future__ import annotations

from openclob.crypto.contracts import (
    AMOY_CHAIN_ID,
    EXCHANGE_CONTRACTS,
    POLYGON_CHAIN_ID,
    ExchangeContracts,
    accepted_verifying_contracts,
    verifying_contract,
)
from openclob.crypto.credentials import ApiCredentials, derive_api_credentials
from openclob.crypto.eip712 import (
    OrderV1Fields,
    OrderV2Fields,
    clob_auth_digest,
    domain_separator,
    order_id,
    order_v1_digest,
    order_v1_struct_hash,
    order_v2_digest,
    order_v2_struct_hash,
    typed_data_digest,
)
from openclob.crypto.keccak import keccak256
from openclob.crypto.l2_hmac import build_hmac_signature, verify_hmac
from openclob.crypto.poly1271 import poly1271_inner_digest, recover_poly1271_owner
from openclob.crypto.recover import InvalidSignature, decode_signature, recover_address

__all__ = [
    "AMOY_CHAIN_ID",
    "EXCHANGE_CONTRACTS",
    "POLYGON_CHAIN_ID",
    "ApiCredentials",
    "ExchangeContracts",
    "InvalidSignature",
    "OrderV1Fields",
    "OrderV2Fields",
    "accepted_verifying_contracts",
    "build_hmac_signature",
    "clob_auth_digest",
    "decode_signature",
    "derive_api_credentials",
    "domain_separator",
    "keccak256",
    "order_id",
    "order_v1_digest",
    "order_v1_struct_hash",
    "order_v2_digest",
    "order_v2_struct_hash",
    "poly1271_inner_digest",
    "recover_address",
    "recover_poly1271_owner",
    "typed_data_digest",
    "verify_hmac",
    "verifying_contract",
]
