"""Keccak-256, the hash Ethereum uses (the original Keccak padding, not NIST SHA3-256)."""

from __future__ import annotations

from Crypto.Hash import keccak as _keccak


def keccak256(data: bytes) -> bytes:
    """Return the 32-byte Keccak-256 digest of `data`."""
    return _keccak.new(digest_bits=256, data=data).digest()
