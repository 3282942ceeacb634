"""L2 request signing: HMAC-SHA256 over timestamp + METHOD + path + body, keyed with the API secret.

The server checks the HMAC over the raw body bytes it received, never over re-serialized JSON. The Python
clients sign `body.replace("'", '"')` instead of the body they send, so a body containing an apostrophe
carries a signature over different bytes; `verify_hmac` accepts that variant too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def build_hmac_signature(secret: str, timestamp: str, method: str, path: str, body: bytes | None) -> str:
    """Return the POLY_SIGNATURE the clients compute: URL-safe base64, with padding, of the HMAC.

    `secret` is URL-safe base64 (padded), `method` and `path` are as signed (path without the query
    string), and an empty or absent body adds nothing to the message.
    """
    key = base64.urlsafe_b64decode(secret)
    message = (timestamp + method + path).encode()
    if body:
        message += body
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


def verify_hmac(secret: str, timestamp: str, method: str, path: str, body_bytes: bytes, signature: str) -> bool:
    """Return whether `signature` is the HMAC of this request, as any official client would sign it."""
    if not signature.isascii():
        return False
    presented = signature.encode("ascii")
    expected = build_hmac_signature(secret, timestamp, method, path, body_bytes)
    if hmac.compare_digest(expected.encode("ascii"), presented):
        return True
    # py-clob-client signs str(body).replace("'", '"') but sends the unreplaced body. In UTF-8 the byte 0x27
    # only ever encodes "'" itself, so replacing bytes here gives exactly the string the client signed.
    if b"'" not in body_bytes:
        return False
    replaced = build_hmac_signature(secret, timestamp, method, path, body_bytes.replace(b"'", b'"'))
    return hmac.compare_digest(replaced.encode("ascii"), presented)
