"""Signed orders on the wire: parse the body, verify the signature and the identities, build the command.

V1 and V2 orders are accepted side by side; the struct is chosen by the fields present (`timestamp`,
`metadata` or `builder` make it V2, as the reference recommends). A V2-struct order is checked under the
exchange domain version "2" (V2 exchange or neg-risk exchange of the chain), then "3" (the V3 exchange);
the version its signature verifies under must be one the server accepts (`Settings.order_versions`),
else the 400 says `order_version_mismatch` and the V2 clients re-read GET /version and sign again.

Validation follows the reference's order (4.6): payload, owner and signer binding, order version (V1),
market, signature and signature type (and the version it was signed for), nonce; the core then checks
expiration, amounts, tick, size, duplicates, balance and the book. The order id is the EIP-712 digest of
the signed struct. A V2 order's `expiration` is in the body, not signed: the core enforces it all the same.

The payload check bounds every integer by what openclob can hold (core/bounds.py), so that nothing it accepts
can fail the journal, a store or a snapshot: numbers are ASCII digits of at most 78 (uint256) digits; the
amounts at most MAX_UNITS and the V1 fee rate a signed 64-bit integer, else `Invalid order payload`; salt,
token id, nonce and V2 timestamp are only hashed, so any uint256 goes; the signature type is one the version
has. An expiration past MAX_EXPIRATION_SECONDS gets the core's `invalid expiration`, once the signature holds.

Signature type 3 (POLY_1271, V2 only): maker = signer = a deposit wallet that the operator linked to the
API key's address (POST /admin/wallets); the ERC-7739 wrapped signature must recover that address.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from openclob.api.errors import (
    INVALID_NONCE,
    INVALID_ORDER_PAYLOAD,
    INVALID_SIGNATURE,
    MAKER_NOT_ALLOWED,
    ORDER_VERSION_MISMATCH,
    OWNER_MISMATCH,
    SIGNER_MISMATCH,
    ApiError,
    from_reject,
)
from openclob.core import OrderType, PlaceOrder, Reject, Side
from openclob.core.bounds import INT64_MAX, MAX_EXPIRATION_SECONDS, MAX_UINT256, MAX_UNITS
from openclob.core.markets import Market
from openclob.core.rejects import rejected
from openclob.crypto import (
    InvalidSignature,
    OrderV1Fields,
    OrderV2Fields,
    accepted_verifying_contracts,
    decode_signature,
    order_id,
    order_v1_digest,
    order_v2_digest,
    recover_address,
    recover_poly1271_owner,
    verifying_contract,
)
from openclob.service import Service
from openclob.store.records import ApiKeyRecord

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = "0x" + "00" * 32
EOA, POLY_PROXY, POLY_GNOSIS_SAFE, POLY_1271 = 0, 1, 2, 3
V1_SIGNATURE_TYPES = frozenset({EOA, POLY_PROXY, POLY_GNOSIS_SAFE})
V2_SIGNATURE_TYPES = frozenset({EOA, POLY_PROXY, POLY_GNOSIS_SAFE, POLY_1271})
V2_STRUCT_VERSIONS = (2, 3)
"""Exchange versions that sign the V2 struct, in the order they are tried."""
BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
UINT_DIGITS = re.compile(r"[0-9]{1,78}")
"""A uint256 in decimal: ASCII digits only (str.isdigit also takes "²" and other scripts' digits), at most 78."""


class WireOrder(msgspec.Struct):
    """The `order` object of POST /order: V1 (taker, nonce, feeRateBps) or V2 (timestamp, metadata, builder)."""

    salt: int
    maker: str
    signer: str
    tokenId: str
    makerAmount: str
    takerAmount: str
    side: Literal["BUY", "SELL"]
    signature: str
    signatureType: int = EOA
    expiration: str = "0"
    taker: str = ZERO_ADDRESS
    nonce: str = "0"
    feeRateBps: str = "0"
    timestamp: str | int | None = None
    metadata: str | None = None
    builder: str | None = None

    @property
    def is_v2(self) -> bool:
        """Whether the order has the V2 struct's fields."""
        return self.timestamp is not None or self.metadata is not None or self.builder is not None


class SendOrder(msgspec.Struct):
    """The body of POST /order (and each element of POST /orders)."""

    order: WireOrder
    owner: str
    orderType: Literal["GTC", "GTD", "FOK", "FAK"] = "GTC"
    postOnly: bool = False
    deferExec: bool = False


def parse_uint(text: str, maximum: int = MAX_UINT256) -> int | None:
    """The decimal string `text` as an integer from 0 to `maximum`, or None if it is not one."""
    if UINT_DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= maximum else None


def _uint(text: str, maximum: int = MAX_UINT256) -> int:
    value = parse_uint(text, maximum)
    if value is None:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return value


def _number(value: int) -> int:
    """A field sent as a JSON number (salt, a numeric V2 timestamp): a uint256."""
    if not 0 <= value <= MAX_UINT256:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return value


def _address(text: str) -> str:
    if ADDRESS.fullmatch(text) is None:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return text


def _signature_type(value: int, accepted: frozenset[int]) -> int:
    if value not in accepted:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return value


def _bytes32(text: str | None) -> str:
    if text is None:
        return ZERO_BYTES32
    if BYTES32.fullmatch(text) is None:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return text.lower()


def _timestamp(value: str | int | None) -> int:
    if value is None:
        return 0
    return _number(value) if isinstance(value, int) else _uint(value)


def _mismatch(service: Service, version: int) -> ApiError:
    accepted = ",".join(str(v) for v in service.settings.order_versions)
    return ApiError(400, ORDER_VERSION_MISMATCH.format(version=version, accepted=accepted))


def _market(service: Service, token: int) -> Market:
    market = service.exchange.market_for_token(str(token))
    if market is None:
        raise from_reject(rejected(Reject.MARKET_NOT_READY))
    return market


def build_place_order(send: SendOrder, key: ApiKeyRecord, service: Service) -> PlaceOrder:
    """Check a parsed order against the caller's key and its signature; return the core command."""
    wire = send.order
    if wire.is_v2:
        v2_fields, expiration = _v2_fields(wire), _uint(wire.expiration)
        if send.owner != key.api_key:
            raise ApiError(400, OWNER_MISMATCH)
        return _build_v2(send, key, service, v2_fields, expiration)
    v1_fields = _v1_fields(wire)
    if send.owner != key.api_key:
        raise ApiError(400, OWNER_MISMATCH)
    return _build_v1(send, key, service, v1_fields)


def _v1_fields(wire: WireOrder) -> OrderV1Fields:
    """The signed fields of a V1 order, each within what openclob holds, or the payload error."""
    return OrderV1Fields(
        salt=_number(wire.salt),
        maker=_address(wire.maker),
        signer=_address(wire.signer),
        taker=_address(wire.taker),
        token_id=_uint(wire.tokenId),
        maker_amount=_uint(wire.makerAmount, MAX_UNITS),
        taker_amount=_uint(wire.takerAmount, MAX_UNITS),
        expiration=_uint(wire.expiration),
        nonce=_uint(wire.nonce),
        fee_rate_bps=_uint(wire.feeRateBps, INT64_MAX),
        side=0 if wire.side == "BUY" else 1,
        signature_type=_signature_type(wire.signatureType, V1_SIGNATURE_TYPES),
    )


def _v2_fields(wire: WireOrder) -> OrderV2Fields:
    """The signed fields of a V2 order, each within what openclob holds, or the payload error."""
    return OrderV2Fields(
        salt=_number(wire.salt),
        maker=_address(wire.maker),
        signer=_address(wire.signer),
        token_id=_uint(wire.tokenId),
        maker_amount=_uint(wire.makerAmount, MAX_UNITS),
        taker_amount=_uint(wire.takerAmount, MAX_UNITS),
        side=0 if wire.side == "BUY" else 1,
        signature_type=_signature_type(wire.signatureType, V2_SIGNATURE_TYPES),
        timestamp=_timestamp(wire.timestamp),
        metadata=_bytes32(wire.metadata),
        builder=_bytes32(wire.builder),
    )


def _build_v1(send: SendOrder, key: ApiKeyRecord, service: Service, fields: OrderV1Fields) -> PlaceOrder:
    wire = send.order
    signer = wire.signer.lower()
    if signer != key.address:
        raise ApiError(400, SIGNER_MISMATCH)
    if 1 not in service.settings.order_versions:
        raise _mismatch(service, 1)
    token = fields.token_id
    market = _market(service, token)
    chain_id = service.settings.chain_id
    try:
        signature = decode_signature(wire.signature)
        for contract in accepted_verifying_contracts(chain_id, 1, market.neg_risk):
            digest = order_v1_digest(fields, chain_id=chain_id, verifying_contract=contract)
            if recover_address(digest, signature) == signer:
                break
        else:
            raise ApiError(400, INVALID_SIGNATURE)
    except (ValueError, InvalidSignature):
        raise ApiError(400, INVALID_SIGNATURE) from None
    maker = wire.maker.lower()
    if not _controls(service, signer, maker, wire.signatureType):
        raise ApiError(400, MAKER_NOT_ALLOWED)
    if fields.nonce != 0:
        raise ApiError(400, INVALID_NONCE)
    return _command(send, key, digest, maker, signer, token, fields, fields.expiration, fields.fee_rate_bps)


def _build_v2(
    send: SendOrder, key: ApiKeyRecord, service: Service, fields: OrderV2Fields, expiration: int
) -> PlaceOrder:
    wire = send.order
    signer, maker = wire.signer.lower(), wire.maker.lower()
    if wire.signatureType == POLY_1271:
        # the deposit wallet signs through its owner, the API key's address
        link = service.edge.wallet_links.get((key.address, signer))
        if maker != signer or link is None or link.signature_type != POLY_1271:
            raise ApiError(400, SIGNER_MISMATCH)
    elif signer != key.address:
        raise ApiError(400, SIGNER_MISMATCH)
    token = fields.token_id
    builder = fields.builder
    market = _market(service, token)
    version, digest = _verify_v2(fields, wire.signature, key.address, service, market)
    if version not in service.settings.order_versions:
        raise _mismatch(service, version)
    if wire.signatureType != POLY_1271 and not _controls(service, signer, maker, wire.signatureType):
        raise ApiError(400, MAKER_NOT_ALLOWED)
    builder_code = "" if builder == ZERO_BYTES32 else builder
    return _command(send, key, digest, maker, signer, token, fields, expiration, None, builder_code)


def _command(
    send: SendOrder,
    key: ApiKeyRecord,
    digest: bytes,
    maker: str,
    signer: str,
    token: int,
    fields: OrderV1Fields | OrderV2Fields,
    expiration: int,
    fee_rate_bps: int | None,
    builder_code: str = "",
) -> PlaceOrder:
    """The core command of a verified order of either version (V2 orders carry no fee rate).

    The last edge check: an expiration past what openclob holds (the core would refuse it too).
    """
    if expiration > MAX_EXPIRATION_SECONDS:
        raise from_reject(rejected(Reject.INVALID_EXPIRATION))
    return PlaceOrder(
        now_ms=0,
        order_id=order_id(digest),
        owner=key.api_key,
        maker=maker,
        signer=signer,
        token_id=str(token),
        side=Side(send.order.side),
        maker_amount=fields.maker_amount,
        taker_amount=fields.taker_amount,
        expiration=expiration,
        fee_rate_bps=fee_rate_bps,
        order_type=OrderType(send.orderType),
        post_only=send.postOnly,
        builder_code=builder_code,
    )


def _verify_v2(
    fields: OrderV2Fields, signature_text: str, owner: str, service: Service, market: Market
) -> tuple[int, bytes]:
    """Return the exchange version whose domain the signature verifies under, and the order's digest there."""
    chain_id = service.settings.chain_id
    try:
        signature = decode_signature(signature_text)
        for version in V2_STRUCT_VERSIONS:
            contract = verifying_contract(chain_id, version, market.neg_risk)
            domain_version = str(version)
            digest = order_v2_digest(
                fields, chain_id=chain_id, verifying_contract=contract, domain_version=domain_version
            )
            if fields.signature_type == POLY_1271:
                try:
                    recovered = recover_poly1271_owner(
                        fields, signature, chain_id=chain_id, verifying_contract=contract, domain_version=domain_version
                    )
                except InvalidSignature:
                    continue
                if recovered == owner:
                    return version, digest
            elif recover_address(digest, signature) == fields.signer.lower():
                return version, digest
    except (ValueError, InvalidSignature):
        pass
    raise ApiError(400, INVALID_SIGNATURE)


def _controls(service: Service, signer: str, maker: str, signature_type: int) -> bool:
    """Whether `signer` may spend `maker`'s funds with this signature type."""
    if signature_type == EOA:
        return maker == signer
    link = service.edge.wallet_links.get((signer, maker))
    return link is not None and link.signature_type == signature_type
