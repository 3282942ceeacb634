"""Fresh wallets for bots' tests: a secp256k1 private key and its Ethereum address.

Made with what openclob already depends on (coincurve, tiny-keccak), so that a bot's tests need no
eth-account. The address is EIP-55 checksummed, as the clients print it; the server lower-cases addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PrivateKey

from openclob.crypto import keccak256


@dataclass(frozen=True, slots=True)
class Wallet:
    """A private key, its address, and the collateral deposited for it when it was made."""

    private_key: str
    """0x and 64 hex digits, as the clients take it (`ClobClient(host, key=...)`)."""
    address: str
    """0x and 40 hex digits, EIP-55 checksummed."""
    funds: str
    """Collateral deposited, in whole units as a decimal string ("0": none)."""


def new_private_key() -> tuple[str, str]:
    """A random private key (0x hex) and its checksummed address."""
    key = PrivateKey()  # from the OS's random source
    return "0x" + key.secret.hex(), address_of(key)


def address_of(key: PrivateKey) -> str:
    """The checksummed address of `key`: the last 20 bytes of keccak256 of its 64-byte public key."""
    public = key.public_key.format(compressed=False)[1:]  # without the 0x04 prefix
    return checksum_address(keccak256(public)[12:].hex())


def checksum_address(address: str) -> str:
    """The EIP-55 form of a 40-hex-digit address (with or without 0x): a letter is upper-cased where the
    matching nibble of keccak256(lower-case hex) is 8 or more."""
    digits = address.removeprefix("0x").lower()
    hashed = keccak256(digits.encode()).hex()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(digits, hashed[:40], strict=True))
