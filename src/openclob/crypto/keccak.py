"""Keccak-256, the hash Ethereum uses (the original Keccak padding, not NIST SHA3-256).

tiny-keccak (Rust) costs about 1 µs a hash here, against about 5 µs for pycryptodome's ctypes wrapper;
an order takes three hashes on its way in (reference/limits.md section 1).
"""

from __future__ import annotations

from tiny_keccak import keccak256 as _keccak256


def keccak256(data: bytes) -> bytes:
    """Return the 32-byte Keccak-256 digest of `data`."""
    digest: bytes = _keccak256(data)
    return digest
