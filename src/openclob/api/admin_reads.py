"""Read-only admin routes for an address (openclob's own): its API keys, open orders and trades.

The public API shows an account only to its own API keys (L2); the operator's console needs to look at any
address. Orders and trades are filed under the API key that placed them, so an address's are those of its
keys (read-only keys place nothing). Keys are listed without their secret or passphrase. Orders and trades
come a page at a time, as /data/orders and /data/trades give them (pass `next_cursor` back for the next).
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openclob.api import cursor
from openclob.api.account import _merged, _orders_of, _position, _trades_of, _viewer
from openclob.api.admin import _address, _authorized
from openclob.api.errors import INVALID_ORDER_PARAMS, INVALID_TRADE_PARAMS
from openclob.api.http import ok, query
from openclob.service import Service
from openclob.wire import open_order, trade


def _owners(service: Service, address: str) -> list[str]:
    """The address's trading API keys, oldest first."""
    keys = [r for r in service.edge.api_keys.values() if r.address == address and not r.readonly]
    return [r.api_key for r in sorted(keys, key=lambda r: r.created_at_ms)]


async def get_api_keys(request: Request) -> Response:
    """GET /admin/api-keys?address=: the API keys that exist (every address's, or one's), without secrets."""
    service, _ = await _authorized(request)
    raw = query(request, "address")
    address = None if raw is None else _address(raw)
    records = sorted(service.edge.api_keys.values(), key=lambda r: (r.address, r.created_at_ms))
    return ok(
        [
            {"api_key": r.api_key, "address": r.address, "readonly": r.readonly, "created_at_ms": r.created_at_ms}
            for r in records
            if address is None or r.address == address
        ]
    )


async def get_orders(request: Request) -> Response:
    """GET /admin/orders?address=&next_cursor=: the address's open orders, a page at a time."""
    service, _ = await _authorized(request)
    owners = _owners(service, _address(query(request, "address") or ""))
    position = _position(request, INVALID_ORDER_PARAMS)
    limit = service.settings.limits.page_size
    if position is None or not owners:
        return ok(cursor.page([], [], limit))
    fetch = functools.partial(_orders_of, service, after_position=position, limit=limit)
    records = await _merged(service, owners, fetch, limit)
    markets = service.exchange.markets
    data: list[object] = [open_order(r, markets[r.condition_id]) for r in records]
    return ok(cursor.page(data, [r.position for r in records], limit))


async def get_trades(request: Request) -> Response:
    """GET /admin/trades?address=&next_cursor=: trades the address took part in, as its keys saw them."""
    service, _ = await _authorized(request)
    owners = _owners(service, _address(query(request, "address") or ""))
    position = _position(request, INVALID_TRADE_PARAMS)
    limit = service.settings.limits.page_size
    if position is None or not owners:
        return ok(cursor.page([], [], limit))
    fetch = functools.partial(_trades_of, service, after_position=position, limit=limit)
    records = await _merged(service, owners, fetch, limit)
    markets = service.exchange.markets
    data: list[object] = [trade(r, markets[r.condition_id], _viewer(r, owners)) for r in records]
    return ok(cursor.page(data, [r.position for r in records], limit))


ROUTES = [
    Route("/admin/api-keys", get_api_keys, methods=["GET"]),
    Route("/admin/orders", get_orders, methods=["GET"]),
    Route("/admin/trades", get_trades, methods=["GET"]),
]
