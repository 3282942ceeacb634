"""Trading routes (L2): place orders, single and batched, and every kind of cancel.

Every body is decoded here, and any failure to decode it (malformed JSON, a wrong type, nesting too deep, an
integer too long) is the route's documented 400; in a batch of orders, it fails only its own entry. Ids,
markets and asset ids are checked for their shape before they reach the core.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import rate_limits
from openclob.api.auth import l2_key
from openclob.api.errors import (
    INVALID_ORDER_ID,
    INVALID_ORDER_PAYLOAD,
    TOO_MANY_CANCELS,
    TOO_MANY_ORDERS,
    ApiError,
    from_reject,
)
from openclob.api.http import decode, ok, read_body
from openclob.api.observe import note_order
from openclob.api.orders import SendOrder, build_place_order, parse_uint
from openclob.core import CancelAll, Canceled, CancelMarketOrders, CancelOrders, Command, OrderPlaced, Rejected
from openclob.service import Receipt, Service
from openclob.store.records import ApiKeyRecord
from openclob.wire import decimal

ORDER_ID = re.compile(r"0x[0-9a-fA-F]{64}")
CONDITION_ID = re.compile(r"0x[0-9a-fA-F]{64}")
T = TypeVar("T")


def _decode(body: bytes | msgspec.Raw, kind: type[T]) -> T:
    """Decode JSON `body` as `kind`, or raise the routes' 400 `Invalid order payload` (see `http.decode`)."""
    return decode(body, kind, INVALID_ORDER_PAYLOAD)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def _authenticated(request: Request) -> tuple[Service, ApiKeyRecord, bytes]:
    service = _service(request)
    body = await read_body(request, service.settings.limits.max_body_bytes)
    key = l2_key(request, service, body)
    rate_limits.authenticated(request, key)
    return service, key, body


def _order_response(receipt: Receipt) -> dict[str, Any]:
    result = receipt.applied.result
    if isinstance(result, Rejected):
        raise from_reject(result)
    assert isinstance(result, OrderPlaced)
    matched = result.matched_units > 0
    return {
        "success": True,
        "errorMsg": "",
        "orderID": result.order_id,
        "transactionsHashes": [receipt.settlement_reference] if matched else [],
        "status": result.wire_status,
        "takingAmount": decimal(result.taking_units) if matched else "",
        "makingAmount": decimal(result.making_units) if matched else "",
        "tradeIDs": list(result.trade_ids),
    }


def _failed(message: str, order_id: str = "") -> dict[str, Any]:
    return {
        "success": False,
        "errorMsg": message,
        "orderID": order_id,
        "transactionsHashes": [],
        "status": "",
        "takingAmount": "",
        "makingAmount": "",
        "tradeIDs": [],
    }


async def post_order(request: Request) -> Response:
    """POST /order: one signed order."""
    service, key, body = await _authenticated(request)
    send = _decode(body, SendOrder)
    rate_limits.charge(request, 1)
    command = build_place_order(send, key, service)
    note_order(request.scope, command.order_id)
    receipt = await service.submit(command)
    return ok(_order_response(receipt))


async def post_orders(request: Request) -> Response:
    """POST /orders: up to 15 signed orders; each one's error is inside the 200 array."""
    service, key, body = await _authenticated(request)
    sends = _decode(body, list[msgspec.Raw])
    limit = service.settings.limits.max_orders_per_post
    if len(sends) > limit:
        raise ApiError(400, TOO_MANY_ORDERS.format(count=len(sends), limit=limit))
    rate_limits.charge(request, len(sends))
    responses: list[dict[str, Any] | None] = []
    commands: list[Command] = []
    for raw in sends:
        try:
            command = build_place_order(_decode(raw, SendOrder), key, service)
        except ApiError as error:
            responses.append(_failed(error.message))
            continue
        responses.append(None)
        commands.append(command)
    receipts = iter(await service.submit_many(commands))
    out = []
    for response in responses:
        if response is not None:
            out.append(response)
            continue
        receipt = next(receipts)
        result = receipt.applied.result
        if isinstance(result, Rejected):
            out.append(_failed(result.message))
        else:
            out.append(_order_response(receipt))
    return ok(out)


def _cancel_response(receipt: Receipt) -> Response:
    result = receipt.applied.result
    if isinstance(result, Rejected):
        raise from_reject(result)
    assert isinstance(result, Canceled)
    return ok({"canceled": list(result.canceled), "not_canceled": result.not_canceled})


class _CancelOne(msgspec.Struct):
    orderID: str


async def cancel_order(request: Request) -> Response:
    """DELETE /order: {"orderID": ...}."""
    service, key, body = await _authenticated(request)
    order_id = _decode(body, _CancelOne).orderID
    if ORDER_ID.fullmatch(order_id) is None:
        raise ApiError(400, INVALID_ORDER_ID)
    note_order(request.scope, order_id)
    rate_limits.charge(request, 1)
    return _cancel_response(await service.submit(CancelOrders(now_ms=0, owner=key.api_key, order_ids=(order_id,))))


async def cancel_orders(request: Request) -> Response:
    """DELETE /orders: a bare JSON array of order ids."""
    service, key, body = await _authenticated(request)
    ids = _decode(body, list[str])
    limit = service.settings.limits.max_cancel_ids
    if len(ids) > limit:
        raise ApiError(400, TOO_MANY_CANCELS.format(limit=limit))
    if not all(ORDER_ID.fullmatch(i) for i in ids):
        raise ApiError(400, INVALID_ORDER_ID)
    rate_limits.charge(request, len(ids))
    return _cancel_response(await service.submit(CancelOrders(now_ms=0, owner=key.api_key, order_ids=tuple(ids))))


async def cancel_all(request: Request) -> Response:
    """DELETE /cancel-all."""
    service, key, _ = await _authenticated(request)
    rate_limits.charge(request, 1, per_cancel=True)
    receipt = await service.submit(CancelAll(now_ms=0, owner=key.api_key))
    rate_limits.settle(request, receipt)
    return _cancel_response(receipt)


class _CancelMarket(msgspec.Struct):
    market: str | None = None
    asset_id: str | None = None


async def cancel_market_orders(request: Request) -> Response:
    """DELETE /cancel-market-orders: "", null and absent all mean "any"; neither given cancels nothing.

    `market` is a condition id (0x and 64 hex digits), `asset_id` a token id (a decimal uint256); anything
    else is `Invalid order payload`. Both are compared as the exchange writes them (lowercase hex, decimal
    without leading zeros).
    """
    service, key, body = await _authenticated(request)
    params = _decode(body or b"{}", _CancelMarket)
    condition_id = token_id = None
    if params.market:
        if CONDITION_ID.fullmatch(params.market) is None:
            raise ApiError(400, INVALID_ORDER_PAYLOAD)
        condition_id = params.market.lower()
    if params.asset_id:
        token = parse_uint(params.asset_id)
        if token is None:
            raise ApiError(400, INVALID_ORDER_PAYLOAD)
        token_id = str(token)
    command = CancelMarketOrders(now_ms=0, owner=key.api_key, condition_id=condition_id, token_id=token_id)
    rate_limits.charge(request, 1, per_cancel=True)
    receipt = await service.submit(command)
    rate_limits.settle(request, receipt)
    return _cancel_response(receipt)


ROUTES = [
    Route("/order", post_order, methods=["POST"]),
    Route("/orders", post_orders, methods=["POST"]),
    Route("/order", cancel_order, methods=["DELETE"]),
    Route("/orders", cancel_orders, methods=["DELETE"]),
    Route("/cancel-all", cancel_all, methods=["DELETE"]),
    Route("/cancel-market-orders", cancel_market_orders, methods=["DELETE"]),
]
