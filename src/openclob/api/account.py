"""Account routes (L2): the caller's orders and trades, balances, notifications, heartbeats, scoring."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import cursor
from openclob.api.admin import ADDRESS
from openclob.api.auth import l2_key, reader_keys
from openclob.api.errors import (
    INVALID_ASSET_TYPE,
    INVALID_HEARTBEAT_ID,
    INVALID_NOTIFICATION_IDS,
    INVALID_ORDER_ID,
    INVALID_ORDER_PARAMS,
    INVALID_SIGNATURE_TYPE,
    INVALID_TRADE_PARAMS,
    ApiError,
)
from openclob.api.http import decode, ok, parse_uint, query, query_matching, query_seconds_ms, read_body
from openclob.api.market_data import TOKEN_ID
from openclob.api.markets import CONDITION_ID
from openclob.api.trading import ORDER_ID
from openclob.core import COLLATERAL, Heartbeat
from openclob.core.bounds import MAX_ROW_ID
from openclob.crypto import EXCHANGE_CONTRACTS
from openclob.edge_commands import DeleteNotifications
from openclob.service import Service
from openclob.store.records import ApiKeyRecord, OrderRecord, TradeRecord
from openclob.wire import open_order, trade

R = TypeVar("R", OrderRecord, TradeRecord)

UNLIMITED_ALLOWANCE = str(2**256 - 1)
SIGNATURE_TYPES = {"0": 0, "1": 1, "2": 2, "3": 3, "EOA": 0, "POLY_PROXY": 1, "POLY_GNOSIS_SAFE": 2, "GNOSIS_SAFE": 2}
TRADE_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
"""A trade id: UUID-shaped, as Polymarket's."""


async def _authenticated(request: Request) -> tuple[Service, ApiKeyRecord, bytes]:
    service: Service = request.app.state.service
    body = await read_body(request, service.settings.limits.max_body_bytes)
    return service, l2_key(request, service, body), body


def _position(request: Request, message: str) -> int | None:
    position = cursor.decode(query(request, "next_cursor"))
    if position is None and query(request, "next_cursor") != cursor.END:
        raise ApiError(400, message)
    return position


async def _readers(request: Request) -> tuple[Service, list[str]]:
    service: Service = request.app.state.service
    body = await read_body(request, service.settings.limits.max_body_bytes)
    return service, reader_keys(request, service, body)


async def _merged(service: Service, owners: list[str], fetch: Callable[[str], list[R]], limit: int) -> list[R]:
    """One page over several owners' rows: each owner's next page, merged by position, deduplicated."""
    rows: dict[tuple[str, int], R] = {}
    for owner in owners:
        for row in await service.read(fetch, owner):
            rows.setdefault((_row_id(row), row.position), row)
    return sorted(rows.values(), key=lambda row: row.position)[:limit]


def _row_id(row: OrderRecord | TradeRecord) -> str:
    return row.order_id if isinstance(row, OrderRecord) else row.trade_id


async def get_orders(request: Request) -> Response:
    """GET /data/orders (and /orders): the caller's open orders, filtered and paginated."""
    service, owners = await _readers(request)
    position = _position(request, INVALID_ORDER_PARAMS)
    limit = service.settings.limits.page_size
    if position is None:
        return ok(cursor.page([], [], limit))
    fetch = functools.partial(
        _orders_of,
        service,
        after_position=position,
        limit=limit,
        order_id=query_matching(request, "id", ORDER_ID, INVALID_ORDER_PARAMS),
        condition_id=_lower(query_matching(request, "market", CONDITION_ID, INVALID_ORDER_PARAMS)),
        token_id=query_matching(request, "asset_id", TOKEN_ID, INVALID_ORDER_PARAMS),
    )
    records = await _merged(service, owners, fetch, limit)
    markets = service.exchange.markets
    data: list[object] = [open_order(r, markets[r.condition_id]) for r in records]
    return ok(cursor.page(data, [r.position for r in records], limit))


def _orders_of(service: Service, owner: str, **filters: Any) -> list[OrderRecord]:
    return service.store.orders(owner, open_only=True, **filters)


def _trades_of(service: Service, owner: str, **filters: Any) -> list[TradeRecord]:
    return service.store.trades(owner, **filters)


async def get_order(request: Request) -> Response:
    """GET /data/order/{order_id} (and /order/{order_id}): one of the caller's orders, open or closed."""
    service, owners = await _readers(request)
    order_id = request.path_params["order_id"]
    if not ORDER_ID.fullmatch(order_id):
        raise ApiError(400, INVALID_ORDER_ID)
    record = await service.read(service.store.order, order_id)
    if record is None or record.owner not in owners:
        raise ApiError(404, "order not found")
    return ok(open_order(record, service.exchange.markets[record.condition_id]))


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def trade_filters(request: Request) -> dict[str, Any]:
    """The filters of a trade listing (/data/trades, /builder/trades), checked: 400 `Invalid trade params payload`."""
    message = INVALID_TRADE_PARAMS
    return {
        "trade_id": query_matching(request, "id", TRADE_ID, message),
        "condition_id": _lower(query_matching(request, "market", CONDITION_ID, message)),
        "token_id": query_matching(request, "asset_id", TOKEN_ID, message),
        "maker_address": _lower(query_matching(request, "maker_address", ADDRESS, message)),
        "before_ms": query_seconds_ms(request, "before", message),
        "after_ms": query_seconds_ms(request, "after", message),
    }


async def get_trades(request: Request) -> Response:
    """GET /data/trades (and /trades): trades the caller took part in, as taker or maker."""
    service, owners = await _readers(request)
    position = _position(request, INVALID_TRADE_PARAMS)
    limit = service.settings.limits.page_size
    if position is None:
        return ok(cursor.page([], [], limit))
    fetch = functools.partial(_trades_of, service, after_position=position, limit=limit, **trade_filters(request))
    records = await _merged(service, owners, fetch, limit)
    markets = service.exchange.markets
    data: list[object] = [trade(r, markets[r.condition_id], _viewer(r, owners)) for r in records]
    return ok(cursor.page(data, [r.position for r in records], limit))


def _viewer(record: TradeRecord, owners: list[str]) -> str:
    """Which of the reader's keys took part in the trade (the taker's, if it was one of them)."""
    if record.taker_owner in owners:
        return record.taker_owner
    return next((leg.owner for leg in record.maker_legs if leg.owner in owners), owners[0])


def _funder(service: Service, key: ApiKeyRecord, signature_type: int) -> str:
    if signature_type == 0:
        return key.address
    for (signer, funder), link in service.edge.wallet_links.items():
        if signer == key.address and link.signature_type == signature_type:
            return funder
    return key.address


async def balance_allowance(request: Request) -> Response:
    """GET /balance-allowance (and /update): everything the address holds of an asset, in base units."""
    service, key, _ = await _authenticated(request)
    asset_type = (query(request, "asset_type") or "").upper()
    signature_type = SIGNATURE_TYPES.get(query(request, "signature_type") or "0")
    if signature_type is None:
        if query(request, "signature_type") != "-1":
            raise ApiError(400, INVALID_SIGNATURE_TYPE)
        signature_type = 0
    if asset_type == "COLLATERAL":
        asset = COLLATERAL
    elif asset_type == "CONDITIONAL" and query(request, "token_id"):
        asset = str(query(request, "token_id"))
    else:
        raise ApiError(400, INVALID_ASSET_TYPE)
    free, reserved = service.exchange.balance(_funder(service, key, signature_type), asset)
    return ok({"balance": str(free + reserved), "allowance": UNLIMITED_ALLOWANCE, "allowances": _allowances(service)})


def _allowances(service: Service) -> dict[str, str]:
    """V2's `allowances`: every exchange of the chain that orders may be signed for, with no limit.

    openclob settles in its own ledger, so nothing is ever approved on chain; V1 clients read `allowance`.
    """
    contracts = EXCHANGE_CONTRACTS.get(service.settings.chain_id)
    if contracts is None:
        return {}
    spenders = [contracts.exchange_v1, contracts.neg_risk_exchange_v1]
    spenders += [contracts.exchange_v2, contracts.neg_risk_exchange_v2, contracts.exchange_v3]
    return dict.fromkeys(spenders, UNLIMITED_ALLOWANCE)


async def get_pre_migration_orders(request: Request) -> Response:
    """GET /data/pre-migration-orders: open orders from before the V2 cut-over, which openclob never had.

    openclob accepts V1 and V2 orders side by side, so V1 orders stay in /data/orders: this list is empty.
    """
    service, _, _ = await _authenticated(request)
    _position(request, INVALID_ORDER_PARAMS)
    return ok(cursor.page([], [], service.settings.limits.page_size))


async def get_notifications(request: Request) -> Response:
    """GET /notifications: the caller's notifications of the retention window (Polymarket keeps 48 hours)."""
    service, key, _ = await _authenticated(request)
    records = await service.read(service.store.notifications, key.api_key)
    oldest_ms = service.now_ms() - service.settings.limits.notification_retention_ms
    return ok(
        [
            {"id": r.notification_id, "type": r.type, "owner": r.owner, "payload": r.payload}
            for r in records
            if r.created_at_ms >= oldest_ms
        ]
    )


async def drop_notifications(request: Request) -> Response:
    """DELETE /notifications?ids=1,2: forget some of the caller's notifications.

    An id past the stores' integer range cannot exist and is refused (400) rather than looked for.
    """
    service, key, _ = await _authenticated(request)
    parts = [part for part in (query(request, "ids") or "").split(",") if part]
    ids = [parse_uint(part, MAX_ROW_ID) for part in parts]
    checked = [i for i in ids if i is not None]
    if len(checked) != len(ids):
        raise ApiError(400, INVALID_NOTIFICATION_IDS)
    await service.submit_edge(DeleteNotifications(owner=key.api_key, ids=checked))
    return ok("OK")


class _HeartbeatBody(msgspec.Struct):
    heartbeat_id: str | None = None


async def post_heartbeat(request: Request) -> Response:
    """POST /v1/heartbeats (and /heartbeats): keep the caller's orders alive; a missed beat cancels them."""
    service, key, body = await _authenticated(request)
    presented = decode(body or b"{}", _HeartbeatBody, "Invalid heartbeat payload").heartbeat_id
    chains: dict[str, str] = request.app.state.heartbeat_ids
    current = chains.get(key.api_key)
    # Chains live in memory: after a restart the server knows no chain for the key, so the id a client
    # carries over is taken up rather than refused (its orders got a fresh grace period at the restart).
    if presented and current is not None and presented != current:
        raise ApiError(400, INVALID_HEARTBEAT_ID, heartbeat_id=current or "")
    await service.submit(
        Heartbeat(now_ms=0, owner=key.api_key, timeout_ms=service.settings.limits.heartbeat_timeout_ms)
    )
    chains[key.api_key] = new_id = secrets.token_hex(16)
    return ok({"heartbeat_id": new_id})


async def order_scoring(request: Request) -> Response:
    """GET /order-scoring: openclob runs no liquidity-rewards programme, so no order is scoring."""
    await _authenticated(request)
    return ok({"scoring": False})


async def orders_scoring(request: Request) -> Response:
    """POST /orders-scoring: as /order-scoring, for a list of ids."""
    _, _, body = await _authenticated(request)
    ids = decode(body, list[str], "Invalid order ids")
    result: dict[str, Any] = dict.fromkeys(ids, False)
    return ok(result)


ROUTES = [
    Route("/data/orders", get_orders, methods=["GET"]),
    Route("/orders", get_orders, methods=["GET"]),
    Route("/data/pre-migration-orders", get_pre_migration_orders, methods=["GET"]),
    Route("/data/order/{order_id}", get_order, methods=["GET"]),
    Route("/order/{order_id}", get_order, methods=["GET"]),
    Route("/data/trades", get_trades, methods=["GET"]),
    Route("/trades", get_trades, methods=["GET"]),
    Route("/balance-allowance", balance_allowance, methods=["GET"]),
    Route("/balance-allowance/update", balance_allowance, methods=["GET"]),
    Route("/notifications", get_notifications, methods=["GET"]),
    Route("/notifications", drop_notifications, methods=["DELETE"]),
    Route("/v1/heartbeats", post_heartbeat, methods=["POST"]),
    Route("/heartbeats", post_heartbeat, methods=["POST"]),
    Route("/order-scoring", order_scoring, methods=["GET"]),
    Route("/orders-scoring", orders_scoring, methods=["POST"]),
]
