"""Deterministic API credentials: one (address, nonce) always derives the same key, secret and passphrase.

The clients call create and fall back to derive, and derive must return the secret again, so nothing random
is stored: each part is HMAC-SHA256(master secret, label | address | nonce), with one label per part. The
formats are Polymarket's: apiKey a UUID, secret URL-safe base64 of 32 bytes with padding, passphrase 64 hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from openclob.crypto._abi import address_bytes

MASTER_SECRET_MIN_BYTES = 32
_UINT256_LIMIT = 1 << 256
_LABEL_API_KEY = b"openclob/api-key/v1"
_LABEL_SECRET = b"openclob/api-secret/v1"
_LABEL_PASSPHRASE = b"openclob/api-passphrase/v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiCredentials:
    """One L2 credential set, in the shape the API returns it."""

    api_key: str
    secret: str
    passphrase: str


def derive_api_credentials(master_secret: bytes, address: str, nonce: int) -> ApiCredentials:
    """Return the credentials of `address` (any letter case) at `nonce` under this server's master secret."""
    if len(master_secret) < MASTER_SECRET_MIN_BYTES:
        raise ValueError(f"master secret must be at least {MASTER_SECRET_MIN_BYTES} bytes")
    if not 0 <= nonce < _UINT256_LIMIT:
        raise ValueError(f"nonce must be a uint256, got {nonce}")
    # Canonical form: "0x" + lowercase hex, so that a checksummed and a lowercase address get the same keys.
    subject = b"|0x" + address_bytes(address).hex().encode() + b"|" + str(nonce).encode()

    def part(label: bytes) -> bytes:
        return hmac.new(master_secret, label + subject, hashlib.sha256).digest()

    return ApiCredentials(
        api_key=str(uuid.UUID(bytes=part(_LABEL_API_KEY)[:16], version=4)),
        secret=base64.urlsafe_b64encode(part(_LABEL_SECRET)).decode("ascii"),
        passphrase=part(_LABEL_PASSPHRASE).hex(),
    )
