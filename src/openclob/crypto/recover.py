"""Recover the Ethereum address that produced a 65-byte secp256k1 signature over a 32-byte digest.

Recovery is about 85% of an order's signature cost, so it goes straight to libsecp256k1 through coincurve.
The rules follow OpenZeppelin's ECDSA.recover, which the exchange contracts use on chain: r ‖ s ‖ v, v is
27/28 (0/1 also accepted here), and s must be in the lower half of the curve order, so that a malleated copy
of a valid signature is refused rather than settled off chain and rejected on chain.
"""

from __future__ import annotations

from coincurve import PublicKey

from openclob.crypto.keccak import keccak256

SIGNATURE_LENGTH = 65
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = _SECP256K1_ORDER // 2
_RECOVERY_IDS = {27: b"\x00", 28: b"\x01", 0: b"\x00", 1: b"\x01"}


class InvalidSignature(ValueError):
    """The signature is malformed or recovers no public key."""


def decode_signature(text: str) -> bytes:
    """Decode a 0x-prefixed hex signature from the wire; its length is checked where it is used."""
    if text[:2] not in ("0x", "0X"):
        raise InvalidSignature("signature is not 0x-prefixed hex")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise InvalidSignature("signature is not 0x-prefixed hex") from None


def recover_address(digest: bytes, signature: bytes) -> str:
    """Return the lowercase 0x address whose key signed `digest`, or raise InvalidSignature."""
    if len(digest) != 32:
        raise InvalidSignature("digest must be 32 bytes")
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidSignature(f"signature must be {SIGNATURE_LENGTH} bytes, got {len(signature)}")
    recovery_id = _RECOVERY_IDS.get(signature[64])
    if recovery_id is None:
        raise InvalidSignature(f"signature v must be 27, 28, 0 or 1, got {signature[64]}")
    if int.from_bytes(signature[32:64], "big") > _HALF_ORDER:
        raise InvalidSignature("signature s is in the upper half of the curve order (malleable)")
    try:
        public_key = PublicKey.from_signature_and_message(signature[:64] + recovery_id, digest, hasher=None)
    except Exception as error:  # coincurve raises ValueError and, for some inputs, cffi errors
        raise InvalidSignature("signature recovers no public key") from error
    # The address is the last 20 bytes of keccak256 of the 64-byte uncompressed key (no 0x04 prefix).
    return "0x" + keccak256(public_key.format(compressed=False)[1:])[12:].hex()
