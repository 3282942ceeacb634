"""L1 (wallet signature) and L2 (HMAC) authentication of requests.

L1 proves control of a key with an EIP-712 ClobAuth signature and is used only to create or derive API
credentials. L2 signs every trading request with the API secret over timestamp + METHOD + path (no
query) + the raw body bytes. Neither is single-use: the clients reuse headers (create then derive in the
same second; every page of a listing), so only a freshness window is applied, against the host's wall clock
(clients sign with theirs, whatever the operator did to the exchange clock). POLY_TIMESTAMP and POLY_NONCE
are ASCII digits in range (the nonce is kept with the key, in a signed 64-bit column), else the headers are
refused like any other bad header.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from openclob.api.errors import INVALID_L1_HEADERS, UNAUTHORIZED, ApiError
from openclob.api.http import parse_uint
from openclob.core.bounds import INT64_MAX, MAX_TIME_MS
from openclob.crypto import InvalidSignature, clob_auth_digest, decode_signature, recover_address, verify_hmac
from openclob.faults import Faults
from openclob.service import Service
from openclob.store.records import ApiKeyRecord

MAX_NONCE = INT64_MAX
"""The largest L1 nonce: the key's nonce is stored in a signed 64-bit column."""


def _fresh(timestamp: str, now_ms: int, skew_seconds: int) -> bool:
    seconds = parse_uint(timestamp, MAX_TIME_MS // 1000)
    return seconds is not None and abs(now_ms // 1000 - seconds) <= skew_seconds


def l1_address(request: Request, service: Service) -> tuple[str, int]:
    """Check the L1 headers; return (lowercase signer address, nonce) or raise 401."""
    headers = request.headers
    address = headers.get("poly_address", "")
    signature = headers.get("poly_signature", "")
    timestamp = headers.get("poly_timestamp", "")
    nonce = parse_uint(headers.get("poly_nonce", "0") or "0", MAX_NONCE)
    limits = service.settings.limits
    if not (address and signature and timestamp and nonce is not None) or not _fresh(
        timestamp, service.wall_ms(), limits.auth_clock_skew_seconds
    ):
        raise ApiError(401, INVALID_L1_HEADERS)
    try:
        digest = clob_auth_digest(address=address, timestamp=timestamp, nonce=nonce, chain_id=service.settings.chain_id)
        signer = recover_address(digest, decode_signature(signature))
    except (ValueError, InvalidSignature):
        raise ApiError(401, INVALID_L1_HEADERS) from None
    if signer != address.lower():
        raise ApiError(401, INVALID_L1_HEADERS)
    return signer, nonce


def l2_key(request: Request, service: Service, body: bytes) -> ApiKeyRecord:
    """Check the L2 headers against the raw `body`; return the caller's API key or raise 401."""
    headers = request.headers
    api_key = headers.get("poly_api_key", "")
    record = service.edge.api_keys.get(api_key)
    if record is None or record.readonly:
        raise ApiError(401, UNAUTHORIZED)
    passphrase = headers.get("poly_passphrase", "")
    address = headers.get("poly_address", "")
    timestamp = headers.get("poly_timestamp", "")
    signature = headers.get("poly_signature", "")
    if not hmac.compare_digest(passphrase.encode(), record.passphrase.encode()) or address.lower() != record.address:
        raise ApiError(401, UNAUTHORIZED)
    if not _fresh(timestamp, service.wall_ms(), service.settings.limits.auth_clock_skew_seconds):
        raise ApiError(401, UNAUTHORIZED)
    if not verify_hmac(record.secret, timestamp, request.method, request.url.path, body, signature):
        raise ApiError(401, UNAUTHORIZED)
    faults: Faults = request.app.faults
    if faults.key_rules and _not_propagated(request, service, faults, record):
        raise ApiError(401, UNAUTHORIZED)
    return record


def _not_propagated(request: Request, service: Service, faults: Faults, record: ApiKeyRecord) -> bool:
    """Whether a `new_key_delay` fault rule refuses this young key (its age on the exchange's clock)."""
    path: str = request.scope["path"]
    rule = faults.key_refused(request.method, path, record.address, record.created_at_ms, service.now_ms())
    return rule is not None


def reader_keys(request: Request, service: Service, body: bytes) -> list[str]:
    """The API keys whose orders and trades the caller may read.

    L2: the caller's own key. A read-only key (`POLY_READONLY_API_KEY` with `POLY_ADDRESS`, no HMAC): every
    full key of the address it was created for.
    """
    readonly = request.headers.get("poly_readonly_api_key")
    if readonly is None:
        return [l2_key(request, service, body).api_key]
    record = service.edge.api_keys.get(readonly)
    address = request.headers.get("poly_address", "").lower()
    if record is None or not record.readonly or record.address != address:
        raise ApiError(401, UNAUTHORIZED)
    return sorted(r.api_key for r in service.edge.api_keys.values() if r.address == address and not r.readonly)
