"""Recover the Ethereum address that produced a 65-byte secp256k1 signature over a 32-byte digest.

Recovery is about 85% of an order's signature cost, so it goes straight to libsecp256k1 through coincurve.

Only what both of Polymarket's exchanges accept on chain passes: 65 bytes r ‖ s ‖ v, v = 27 or 28, s in the
lower half of the curve order. What they accept, read from their sources:
- the V1 CTF exchange (ctf-exchange, Signatures.sol) calls OpenZeppelin's ECDSA.recover, pinned at commit
  8769b19 of openzeppelin-contracts (master between 4.7 and 4.8, September 2022): 65 bytes only (the 4.7.3
  malleability fix, already on master there, dropped the 64-byte EIP-2098 form), s <= n/2, and a v other
  than 27/28 makes ecrecover return the zero address, which it refuses;
- the V2 exchange (ctf-exchange-v2, Signatures.sol) calls Solady's ECDSA.recover, which also takes the
  64-byte compact form and any s (it leaves malleability to the caller), and likewise only v = 27/28.
A signature that one exchange would refuse could be accepted here and then fail at settlement, so the rule is
the stricter one. Every official client signs this way (eth-account and ethers give v = 27/28 and low s); v =
0/1, the raw recovery id, is refused like any other v.
"""

from __future__ import annotations

import re

from coincurve import PublicKey

from openclob.crypto.keccak import keccak256

SIGNATURE_LENGTH = 65
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = _SECP256K1_ORDER // 2
_HEX = re.compile(r"0[xX](?:[0-9a-fA-F]{2})*")
_RECOVERY_IDS = {27: b"\x00", 28: b"\x01"}


class InvalidSignature(ValueError):
    """The signature is malformed or recovers no public key."""


def decode_signature(text: str) -> bytes:
    """Decode a 0x-prefixed hex signature from the wire; its length is checked where it is used."""
    # (bytes.fromhex alone would also skip whitespace between the digits)
    if _HEX.fullmatch(text) is None:
        raise InvalidSignature("signature is not 0x-prefixed hex")
    return bytes.fromhex(text[2:])


def recover_address(digest: bytes, signature: bytes) -> str:
    """Return the lowercase 0x address whose key signed `digest`, or raise InvalidSignature."""
    if len(digest) != 32:
        raise InvalidSignature("digest must be 32 bytes")
    if len(signature) != SIGNATURE_LENGTH:
        raise InvalidSignature(f"signature must be {SIGNATURE_LENGTH} bytes, got {len(signature)}")
    recovery_id = _RECOVERY_IDS.get(signature[64])
    if recovery_id is None:
        raise InvalidSignature(f"signature v must be 27 or 28, got {signature[64]}")
    if int.from_bytes(signature[32:64], "big") > _HALF_ORDER:
        raise InvalidSignature("signature s is in the upper half of the curve order (malleable)")
    try:
        public_key = PublicKey.from_signature_and_message(signature[:64] + recovery_id, digest, hasher=None)
    except Exception as error:  # coincurve raises ValueError and, for some inputs, cffi errors
        raise InvalidSignature("signature recovers no public key") from error
    # The address is the last 20 bytes of keccak256 of the 64-byte uncompressed key (no 0x04 prefix).
    return "0x" + keccak256(public_key.format(compressed=False)[1:])[12:].hex()
