"""ABI words for EIP-712 struct encoding: every field is one 32-byte big-endian word.

Malformed values raise ValueError; the edge validates the wire shape first, so here that is a bug or an
attack, never a normal reject.
"""

from __future__ import annotations

_ADDRESS_HEX_LENGTH = 42
_ADDRESS_PADDING = bytes(12)
_UINT8_PADDING = bytes(31)


def address_bytes(address: str) -> bytes:
    """Decode a `0x`-prefixed 20-byte address, in any letter case."""
    if len(address) != _ADDRESS_HEX_LENGTH or address[:2] not in ("0x", "0X"):
        raise ValueError(f"not a 0x-prefixed 20-byte address: {address!r}")
    # bytes.fromhex skips whitespace, but 40 characters can only give 20 bytes if all of them are hex digits.
    raw = bytes.fromhex(address[2:])
    if len(raw) != 20:
        raise ValueError(f"not a 0x-prefixed 20-byte address: {address!r}")
    return raw


def address_word(address: str) -> bytes:
    """Encode an address as a left-padded 32-byte word."""
    return _ADDRESS_PADDING + address_bytes(address)


def uint256_word(value: int) -> bytes:
    """Encode an unsigned 256-bit integer as a 32-byte word."""
    try:
        return value.to_bytes(32, "big")
    except OverflowError:
        raise ValueError(f"not a uint256: {value!r}") from None


def uint8_word(value: int) -> bytes:
    """Encode an unsigned 8-bit integer as a 32-byte word."""
    try:
        return _UINT8_PADDING + value.to_bytes(1, "big")
    except OverflowError:
        raise ValueError(f"not a uint8: {value!r}") from None


def bytes32_word(value: str) -> bytes:
    """Decode a `0x`-prefixed 32-byte hex string (bytes32 is encoded as itself)."""
    if len(value) != 66 or value[:2] not in ("0x", "0X"):
        raise ValueError(f"not a 0x-prefixed bytes32: {value!r}")
    raw = bytes.fromhex(value[2:])
    if len(raw) != 32:
        raise ValueError(f"not a 0x-prefixed bytes32: {value!r}")
    return raw
