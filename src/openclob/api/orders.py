"""Signed orders on the wire: parse the body, verify the signature and the identities, build the command.

Validation follows the reference's order (4.6): payload, owner and signer binding, market, signature and
signature type, nonce; the core then checks expiration, amounts, tick, size, duplicates, balance and the
book. The order id is the EIP-712 digest of the signed struct.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from openclob.api.errors import (
    INVALID_NONCE,
    INVALID_ORDER_PAYLOAD,
    INVALID_SIGNATURE,
    MAKER_NOT_ALLOWED,
    OWNER_MISMATCH,
    SIGNER_MISMATCH,
    ApiError,
    from_reject,
)
from openclob.core import OrderType, PlaceOrder, Reject, Side
from openclob.core.rejects import rejected
from openclob.crypto import (
    InvalidSignature,
    OrderV1Fields,
    decode_signature,
    order_id,
    order_v1_digest,
    recover_address,
    verifying_contract,
)
from openclob.service import Service
from openclob.store.records import ApiKeyRecord

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
EOA, POLY_PROXY, POLY_GNOSIS_SAFE = 0, 1, 2
MAX_UINT256 = 2**256 - 1


class WireOrder(msgspec.Struct):
    """The `order` object of POST /order, as the V1 clients send it (amounts as decimal strings)."""

    salt: int
    maker: str
    signer: str
    tokenId: str
    makerAmount: str
    takerAmount: str
    side: Literal["BUY", "SELL"]
    signature: str
    taker: str = ZERO_ADDRESS
    expiration: str = "0"
    nonce: str = "0"
    feeRateBps: str = "0"
    signatureType: int = EOA


class SendOrder(msgspec.Struct):
    """The body of POST /order (and each element of POST /orders)."""

    order: WireOrder
    owner: str
    orderType: Literal["GTC", "GTD", "FOK", "FAK"] = "GTC"
    postOnly: bool = False
    deferExec: bool = False


def _uint(text: str) -> int:
    if not text.isdigit():
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    value = int(text)
    if value > MAX_UINT256:
        raise ApiError(400, INVALID_ORDER_PAYLOAD)
    return value


def build_place_order(send: SendOrder, key: ApiKeyRecord, service: Service) -> PlaceOrder:
    """Check a parsed order against the caller's key and its signature; return the core command."""
    wire = send.order
    if send.owner != key.api_key:
        raise ApiError(400, OWNER_MISMATCH)
    signer = wire.signer.lower()
    if signer != key.address:
        raise ApiError(400, SIGNER_MISMATCH)
    token = _uint(wire.tokenId)
    fields = OrderV1Fields(
        salt=wire.salt,
        maker=wire.maker,
        signer=wire.signer,
        taker=wire.taker,
        token_id=token,
        maker_amount=_uint(wire.makerAmount),
        taker_amount=_uint(wire.takerAmount),
        expiration=_uint(wire.expiration),
        nonce=_uint(wire.nonce),
        fee_rate_bps=_uint(wire.feeRateBps),
        side=0 if wire.side == "BUY" else 1,
        signature_type=wire.signatureType,
    )
    market = service.exchange.market_for_token(str(token))
    if market is None:
        raise from_reject(rejected(Reject.MARKET_NOT_READY))
    try:
        contract = verifying_contract(service.settings.chain_id, 1, market.neg_risk)
        digest = order_v1_digest(fields, chain_id=service.settings.chain_id, verifying_contract=contract)
        recovered = recover_address(digest, decode_signature(wire.signature))
    except (ValueError, InvalidSignature):
        raise ApiError(400, INVALID_SIGNATURE) from None
    if recovered != signer:
        raise ApiError(400, INVALID_SIGNATURE)
    maker = wire.maker.lower()
    if not _controls(service, signer, maker, wire.signatureType):
        raise ApiError(400, MAKER_NOT_ALLOWED)
    if fields.nonce != 0:
        raise ApiError(400, INVALID_NONCE)
    return PlaceOrder(
        now_ms=0,
        order_id=order_id(digest),
        owner=key.api_key,
        maker=maker,
        signer=signer,
        token_id=str(token),
        side=Side(wire.side),
        maker_amount=fields.maker_amount,
        taker_amount=fields.taker_amount,
        expiration=fields.expiration,
        fee_rate_bps=fields.fee_rate_bps,
        order_type=OrderType(send.orderType),
        post_only=send.postOnly,
    )


def _controls(service: Service, signer: str, maker: str, signature_type: int) -> bool:
    """Whether `signer` may spend `maker`'s funds with this signature type."""
    if signature_type == EOA:
        return maker == signer
    link = service.edge.wallet_links.get((signer, maker))
    return link is not None and link.signature_type == signature_type
